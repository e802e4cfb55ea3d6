import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from './tables.js';

/**
 * Inserts rows already encoded as JSONEachRow (the normalizer's output) in one statement.
 * `exec` with a byte stream sends the text as it is; `insert` would want objects to serialise.
 */
export async function insertRows(
  client: ClickHouseClient,
  database: string,
  body: Buffer | string,
): Promise<void> {
  const result = await client.exec({
    query: `INSERT INTO ${database}.${TABLES.sampleRows} FORMAT JSONEachRow`,
    values: Readable.from([typeof body === 'string' ? Buffer.from(body) : body], { objectMode: false }),
  });
  // The response body must be consumed or the socket is not returned to the pool.
  result.stream.resume();
  await new Promise<void>((resolve, reject) => {
    result.stream.once('end', resolve);
    result.stream.once('error', reject);
  });
}
