import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { SAMPLE_ROW_COLUMNS } from '@pipeline/sample-model';
import { embeddedConnectionOf } from './store-target.js';
import { TABLES } from './tables.js';

/** The formats samples travel in: TabSeparated (sample-model's row encoding), JSONEachRow from earlier versions. */
export type RowFormat = 'TabSeparated' | 'JSONEachRow';

/**
 * Inserts rows already encoded by the normalizer, in one statement. The embedded engine takes the
 * bytes as they are (chDB's raw insert: no copy into a JavaScript string, no SQL text around them);
 * a server gets them as the body of `exec`, which sends a byte stream as it is.
 */
export async function insertRows(
  client: ClickHouseClient,
  database: string,
  body: Buffer,
  format: RowFormat = 'TabSeparated',
  /** A table with sample_rows' columns (scripts/insert-cpu.ts tries other layouts). */
  into: string = TABLES.sampleRows,
): Promise<void> {
  if (body.length === 0) return;
  const table = `${database}.${into}`;
  // TabSeparated is positional; JSONEachRow names its columns itself.
  const columns = format === 'TabSeparated' ? [...SAMPLE_ROW_COLUMNS] : undefined;
  const embedded = embeddedConnectionOf(client);
  if (embedded !== undefined) {
    await embedded.chdb.rawInsert({ table, values: body, format, ...(columns ? { columns } : {}) });
    return;
  }
  const columnList = columns === undefined ? '' : ` (${columns.join(', ')})`;
  const result = await client.exec({
    query: `INSERT INTO ${table}${columnList} FORMAT ${format}`,
    values: Readable.from([body], { objectMode: false }),
  });
  // The response body must be consumed or the socket is not returned to the pool.
  result.stream.resume();
  await new Promise<void>((resolve, reject) => {
    result.stream.once('end', resolve);
    result.stream.once('error', reject);
  });
}
