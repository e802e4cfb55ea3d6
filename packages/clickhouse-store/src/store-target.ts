import { type ClickHouseClient, createClient } from '@clickhouse/client';

/** Where samples are stored: the embedded engine in a data directory, or a ClickHouse server. */
export type StoreTarget =
  | { readonly kind: 'embedded'; readonly path: string }
  | { readonly kind: 'server'; readonly url: string; readonly username?: string; readonly password?: string };

export function describeTarget(target: StoreTarget): string {
  return target.kind === 'embedded'
    ? `embedded ClickHouse (chDB) in ${target.path}`
    : `ClickHouse server ${target.url}`;
}

/**
 * One client API for both: chDB plugs into @clickhouse/client as its connection, so every query,
 * insert and migration is written once. chDB (a 540 MB native engine) is loaded only when the
 * embedded engine is asked for, so a writer talking to a server never maps it into memory.
 */
export async function createStoreClient(
  target: StoreTarget,
  options: { requestTimeoutMs?: number } = {},
): Promise<ClickHouseClient> {
  if (target.kind === 'embedded') {
    const { createChdbConnection } = await import('chdb/connection');
    return createClient({ connection: createChdbConnection({ path: target.path }) } as Parameters<
      typeof createClient
    >[0]);
  }
  return createClient({
    url: target.url,
    username: target.username ?? 'default',
    password: target.password ?? '',
    request_timeout: options.requestTimeoutMs ?? 60_000,
    // The old server (18.16) and new ones alike accept gzip bodies; inserts are large text.
    compression: { request: true, response: false },
  });
}
