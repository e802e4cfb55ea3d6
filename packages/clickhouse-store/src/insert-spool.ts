import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Files the embedded engine reads inserts from: each insert's bytes are written to a file and
 * inserted with `INSERT … SELECT * FROM file(…)`.
 *
 * Why: chDB runs an insert whose rows travel inside the statement (its raw insert, or any INSERT
 * … FORMAT with inline data) at ~10 ns per byte before parsing starts: 1.5–2.1 CPU-µs per
 * 171-byte row into a Null table of one String column, against 0.4 through file(), and 2.1
 * against 0.9 for sample_rows' nine columns (docs/benchmarks.md, tenth round). The file is a
 * transport only: ClickHouse has copied the rows into its parts when the INSERT returns.
 *
 * Files are reused (a free list), not created per insert: creating and deleting files is dear on
 * journal-less ext4 (docs/benchmarks.md, sixth round), and rewriting one truncates it. Inserts
 * that run at once get a file each.
 */
export class InsertSpool {
  readonly #free: string[] = [];
  #made = 0;

  private constructor(readonly dir: string) {}

  /** The spool in `dir`, emptied: files a stopped process left behind are stale. */
  static async open(dir: string): Promise<InsertSpool> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return new InsertSpool(dir);
  }

  /**
   * Writes `body` (its pieces one after the other) to a file of its own for as long as `use` runs,
   * and passes `use` its path.
   */
  async withFile<T>(body: Buffer | readonly Buffer[], use: (path: string) => Promise<T>): Promise<T> {
    const path = this.#free.pop() ?? join(this.dir, `rows-${this.#made++}`);
    try {
      await writeFile(path, body);
      return await use(path);
    } finally {
      this.#free.push(path);
    }
  }

  /** How many files it has made: at most the inserts that ran at once. */
  get files(): number {
    return this.#made;
  }
}

/** A string literal for ClickHouse SQL: quoted, with backslashes and quotes escaped. */
export function sqlString(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}
