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

/** The part of chDB's connection that inserts bytes without a copy (chdb/connection's `.chdb`). */
export interface EmbeddedConnection {
  readonly chdb: {
    rawInsert(params: {
      table: string;
      values: Buffer;
      format: string;
      columns?: string[];
    }): Promise<unknown>;
  };
}

const embeddedConnections = new WeakMap<ClickHouseClient, EmbeddedConnection>();

/** The embedded engine behind a client made by createStoreClient, if it is one. */
export function embeddedConnectionOf(client: ClickHouseClient): EmbeddedConnection | undefined {
  return embeddedConnections.get(client);
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
    const connection = createChdbConnection({ path: target.path });
    const client = createClient({ connection } as Parameters<typeof createClient>[0]);
    embeddedConnections.set(client, connection as unknown as EmbeddedConnection);
    return client;
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
