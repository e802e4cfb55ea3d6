import type { ClickHouseClient } from '@clickhouse/client';

export interface QueryResult {
  readonly rows: Record<string, unknown>[];
}

/**
 * Runs a read-only query for users (the `query` command, the writer's loopback query endpoint).
 * 64-bit integers come back as text so no series_id loses digits in JavaScript.
 */
export async function runQuery(client: ClickHouseClient, sql: string): Promise<QueryResult> {
  const result = await client.query({
    query: sql,
    format: 'JSONEachRow',
    clickhouse_settings: { readonly: '2', output_format_json_quote_64bit_integers: 1 },
  });
  return { rows: await result.json<Record<string, unknown>>() };
}
