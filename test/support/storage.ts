/**
 * The storage tests talk to ClickHouse directly (no Kafka, no services): the embedded engine in a
 * temporary directory of their own, and the server the global setup picked (Debian's 18.16 here),
 * each test in a database of its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import {
  createStoreClient,
  detectServer,
  insertRows,
  type ServerInfo,
  TABLES,
} from '@pipeline/clickhouse-store';
import { encodeSampleRows, type MetricType, makeSample, SeriesRowCache } from '@pipeline/sample-model';

export type Engine = 'embedded' | 'server';
export const ENGINES: readonly Engine[] = ['embedded', 'server'];

export interface Store {
  readonly engine: Engine;
  /** For DDL and inserts. */
  readonly client: ClickHouseClient;
  /** A second client, for queries run read-only as users run them (settings stay in its session). */
  readonly reader: ClickHouseClient;
  readonly server: ServerInfo;
  /** A fresh database name for one test; the databases are dropped when the store closes. */
  database(prefix: string): string;
  close(): Promise<void>;
}

/**
 * One chDB data directory per test file (a process can hold only one), shared by the stores the
 * file opens; it is removed when the last store of the file closes.
 */
let embeddedDir: string | undefined;
let embeddedOpen = 0;

export async function openStore(engine: Engine, clickhouseUrl: string): Promise<Store> {
  let client: ClickHouseClient;
  let reader: ClickHouseClient;
  if (engine === 'embedded') {
    embeddedDir ??= mkdtempSync(join(tmpdir(), 'storage-it-chdb-'));
    embeddedOpen += 1;
    client = await createStoreClient({ kind: 'embedded', path: embeddedDir });
    reader = await createStoreClient({ kind: 'embedded', path: embeddedDir });
  } else {
    client = await createStoreClient({ kind: 'server', url: clickhouseUrl });
    // Quiet: some tests expect refusals (modern-only queries on 18.16), which the client would log.
    reader = createClient({ url: clickhouseUrl, log: { level: ClickHouseLogLevel.OFF } });
  }
  const server = await detectServer(client);
  const databases: string[] = [];
  return {
    engine,
    client,
    reader,
    server,
    database: (prefix) => {
      const name = `${prefix}_${randomBytes(4).toString('hex')}`;
      databases.push(name);
      return name;
    },
    close: async () => {
      // A server given by CLICKHOUSE_URL outlives the run: leave nothing behind on it.
      for (const name of databases) await client.command({ query: `DROP DATABASE IF EXISTS ${name}` });
      await reader.close();
      await client.close();
      if (engine === 'embedded' && --embeddedOpen === 0 && embeddedDir !== undefined) {
        rmSync(embeddedDir, { recursive: true, force: true });
        embeddedDir = undefined;
      }
    },
  };
}

/** Rows as JSON with 64-bit integers as text (series ids do not fit a JS number). */
export async function rows(client: ClickHouseClient, sql: string): Promise<Record<string, unknown>[]> {
  const result = await client.query({
    query: sql,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return result.json<Record<string, unknown>>();
}

export interface TestSample {
  readonly org?: string;
  readonly name: string;
  readonly type: MetricType;
  readonly tags?: Record<string, string>;
  readonly timestampUs: number;
  readonly value: number;
}

const cache = new SeriesRowCache();

/** The samples encoded exactly as the normalizer encodes them for the writer. */
function encode(samples: readonly TestSample[]): Buffer {
  return Buffer.concat(
    samples.map((s) =>
      encodeSampleRows(
        s.org ?? 'dev',
        [
          makeSample({
            name: s.name,
            type: s.type,
            tags: Object.entries(s.tags ?? {}),
            timestampUs: s.timestampUs,
            value: s.value,
          }),
        ],
        cache,
      ),
    ),
  );
}

/**
 * Inserts samples, and, as the writer does with a message from before the feed, feeds them all to
 * the series and metadata views (`feed: false` for a database from before migration 8).
 */
export async function insertSamples(
  client: ClickHouseClient,
  database: string,
  samples: readonly TestSample[],
  { feed = true }: { feed?: boolean } = {},
) {
  const body = encode(samples);
  await insertRows(client, database, body);
  if (feed) await insertRows(client, database, body, 'RowBinary', TABLES.seriesFeed);
}

/** Inserts rows into series_feed only, as the writer inserts a feed message. */
export async function insertFeed(client: ClickHouseClient, database: string, samples: readonly TestSample[]) {
  await insertRows(client, database, encode(samples), 'RowBinary', TABLES.seriesFeed);
}

/** Waits until `check` holds (background work such as a TTL mutation), or fails with the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline)
      throw new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await delay(200);
    value = await read();
  }
  return value;
}

/** Every table's and view's definition in a database, with the database name taken out. */
export async function schemaOf(client: ClickHouseClient, database: string): Promise<Record<string, string>> {
  const tables = await rows(
    client,
    `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await rows(client, `SHOW CREATE TABLE ${database}.${String(name)}`);
    out[String(name)] = String(row?.statement ?? '').replaceAll(database, '<db>');
  }
  return out;
}
