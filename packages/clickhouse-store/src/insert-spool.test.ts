import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InsertSpool, sqlString } from './insert-spool.js';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'insert-spool-'));
  dirs.push(dir);
  return join(dir, 'spool');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('InsertSpool', () => {
  it('hands the insert a file that holds exactly its bytes', async () => {
    const spool = await InsertSpool.open(freshDir());
    const body = Buffer.from('acme\tcpu\tgauge\t1\t[]\t[]\t1700000000000000\t0.5\t\n');
    const seen = await spool.withFile(body, async (path) => readFileSync(path));
    expect(seen.equals(body)).toBe(true);
  });

  it('writes a body in pieces one after the other, as many as there are', async () => {
    const spool = await InsertSpool.open(freshDir());
    const pieces = Array.from({ length: 3000 }, (_, i) => Buffer.from(i % 7 === 0 ? '' : `piece ${i}\n`));
    const seen = await spool.withFile(pieces, async (path) => readFileSync(path));
    expect(seen.equals(Buffer.concat(pieces))).toBe(true);
  });

  it('reuses one file for inserts made one after the other, rewriting it each time', async () => {
    const spool = await InsertSpool.open(freshDir());
    const first = await spool.withFile(Buffer.from('a longer first body\n'), async (path) => path);
    const second = await spool.withFile(Buffer.from('short\n'), async (path) => [
      path,
      readFileSync(path, 'utf8'),
    ]);
    expect(second).toEqual([first, 'short\n']);
    expect(spool.files).toBe(1);
  });

  it('gives inserts that run at once a file each', async () => {
    const spool = await InsertSpool.open(freshDir());
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const paths: string[] = [];
    const first = spool.withFile(Buffer.from('one\n'), async (path) => {
      paths.push(path);
      await held;
      return readFileSync(path, 'utf8');
    });
    // The first insert still runs while the second writes its bytes.
    const second = await spool.withFile(Buffer.from('two\n'), async (path) => {
      paths.push(path);
      return readFileSync(path, 'utf8');
    });
    release();
    expect([await first, second]).toEqual(['one\n', 'two\n']);
    expect(new Set(paths).size).toBe(2);
  });

  it('frees the file when the insert fails, so the next one reuses it', async () => {
    const spool = await InsertSpool.open(freshDir());
    await expect(
      spool.withFile(Buffer.from('bad\n'), async () => {
        throw new Error('Code: 27. Cannot parse input');
      }),
    ).rejects.toThrow('Code: 27');
    await spool.withFile(Buffer.from('good\n'), async () => undefined);
    expect(spool.files).toBe(1);
  });

  it('empties the folder it opens: files a stopped writer left are stale', async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'rows-7'), 'left by a crash\n');
    await InsertSpool.open(dir);
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('sqlString', () => {
  it('quotes a path and escapes what would end or break the literal', () => {
    expect(sqlString('/data/chdb/insert-spool/rows-0')).toBe("'/data/chdb/insert-spool/rows-0'");
    expect(sqlString("/tmp/it's\\here")).toBe("'/tmp/it\\'s\\\\here'");
  });
});
