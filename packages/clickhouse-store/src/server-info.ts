import type { ClickHouseClient } from '@clickhouse/client';

export interface ServerInfo {
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  /**
   * Has what the portable core does without: DateTime64, Map, codecs, TTL, LowCardinality
   * without the experimental flag. All arrived by 21.8; the embedded engine is 26.x.
   */
  readonly modern: boolean;
}

export async function detectServer(client: ClickHouseClient): Promise<ServerInfo> {
  const result = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
  const [row] = await result.json<{ version: string }>();
  const version = row?.version ?? '0.0';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return { version, major, minor, modern: major > 21 || (major === 21 && minor >= 8) };
}
