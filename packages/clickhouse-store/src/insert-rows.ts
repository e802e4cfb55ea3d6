import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { SAMPLE_ROW_COLUMNS } from '@pipeline/sample-model';
import { sqlString } from './insert-spool.js';
import { insertSpoolOf } from './store-target.js';
import { TABLES } from './tables.js';

/** The formats samples travel in: RowBinary (sample-model's row encoding), TabSeparated and JSONEachRow from earlier versions. */
export type RowFormat = 'RowBinary' | 'TabSeparated' | 'JSONEachRow';

/**
 * Inserts rows already encoded by the normalizer, in one statement. The embedded engine reads the
 * bytes from a file (InsertSpool: chDB spends more on rows inside a statement than on parsing
 * them); a server gets them as the body of `exec`, which sends a byte stream as it is.
 */
export async function insertRows(
  client: ClickHouseClient,
  database: string,
  /** The rows, whole or in pieces (the writer's messages, sent one after the other without a copy). */
  body: Buffer | readonly Buffer[],
  format: RowFormat = 'RowBinary',
  /** A table with sample_rows' columns (scripts/insert-cpu.ts tries other layouts). */
  into: string = TABLES.sampleRows,
): Promise<void> {
  const pieces = Buffer.isBuffer(body) ? [body] : body;
  if (pieces.every((piece) => piece.length === 0)) return;
  const table = `${database}.${into}`;
  // RowBinary and TabSeparated are positional; JSONEachRow names its columns itself.
  const columnList = format !== 'JSONEachRow' ? ` (${SAMPLE_ROW_COLUMNS.join(', ')})` : '';
  const spool = insertSpoolOf(client);
  if (spool !== undefined) {
    // The file's columns are the insertion table's (the listed ones), never inferred from its rows.
    await spool.withFile(pieces, (path) =>
      client.command({
        query: `INSERT INTO ${table}${columnList} SELECT * FROM file(${sqlString(path)}, ${sqlString(format)}) SETTINGS use_structure_from_insertion_table_in_table_functions = 1`,
      }),
    );
    return;
  }
  const result = await client.exec({
    query: `INSERT INTO ${table}${columnList} FORMAT ${format}`,
    values: Readable.from(pieces, { objectMode: false }),
  });
  // The response body must be consumed or the socket is not returned to the pool.
  result.stream.resume();
  await new Promise<void>((resolve, reject) => {
    result.stream.once('end', resolve);
    result.stream.once('error', reject);
  });
}
