/**
 * The embedded engine's inserts go through files (clickhouse-store's InsertSpool): rows arrive
 * whole and once, refused rows are refused as data errors (so the writer dead-letters them and
 * does not retry forever), and a data directory whose path needs quoting in SQL works too.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  createStoreClient,
  insertRows,
  isRetriableStoreError,
  migrate,
  TABLES,
} from '@pipeline/clickhouse-store';
import { encodeSampleRows, makeSample, SeriesRowCache } from '@pipeline/sample-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../support/storage.js';

const DATABASE = 'spooled';
let parent: string;
let dataDir: string;
let client: ClickHouseClient;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'embedded-insert-'));
  // A quote and a backslash: the file's path is a string literal in the INSERT.
  dataDir = join(parent, "chdb's \\data");
  client = await createStoreClient({ kind: 'embedded', path: dataDir });
  await migrate(client, DATABASE);
});

afterAll(async () => {
  await client?.close();
  if (parent !== undefined) rmSync(parent, { recursive: true, force: true });
});

const cache = new SeriesRowCache();
function body(org: string, count: number, firstUs: number): Buffer {
  const samples = Array.from({ length: count }, (_, i) =>
    makeSample({
      name: 'spool_test_total',
      type: 'counter',
      tags: [
        ['host', `h${i % 7}`],
        ['path', "/it's\\odd\ttab"],
      ],
      timestampUs: firstUs + i,
      value: i + 0.25,
    }),
  );
  return encodeSampleRows(org, samples, cache);
}

const countOf = async (org: string) =>
  Number(
    (await rows(client, `SELECT count() AS n FROM ${DATABASE}.${TABLES.samples} WHERE org = '${org}'`))[0]!.n,
  );

describe('inserts into the embedded engine', () => {
  it('stores every row of each insert once, with its text as it was sent', async () => {
    await insertRows(client, DATABASE, body('acme', 25_000, 1_700_000_000_000_000));
    await insertRows(client, DATABASE, body('acme', 5_000, 1_700_000_100_000_000));
    expect(await countOf('acme')).toBe(30_000);
    const [row] = await rows(
      client,
      `SELECT tags.key AS k, tags.value AS v, value FROM ${DATABASE}.${TABLES.samples} WHERE org = 'acme' ORDER BY timestamp_us LIMIT 1 OFFSET 1`,
    );
    expect(row).toEqual({ k: ['host', 'path'], v: ['h1', "/it's\\odd\ttab"], value: 1.25 });
  });

  it('refuses rows ClickHouse cannot parse as a data error, and stores none of that insert', async () => {
    const good = body('refused', 100, 1_700_000_200_000_000);
    // The last row is cut short.
    const bad = good.subarray(0, good.length - 3);
    const error = await insertRows(client, DATABASE, bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(isRetriableStoreError(error)).toBe(false);
    expect(await countOf('refused')).toBe(0);
  });

  it('keeps one file for inserts made one after the other', async () => {
    for (let i = 0; i < 5; i++)
      await insertRows(client, DATABASE, body('again', 10, 1_700_000_300_000_000 + i * 100));
    expect(await countOf('again')).toBe(50);
    expect(readdirSync(join(dataDir, 'insert-spool'))).toEqual(['rows-0']);
  });
});
