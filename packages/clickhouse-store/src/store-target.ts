import { resolve } from 'node:path';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { InsertSpool } from './insert-spool.js';

/** Where samples are stored: the embedded engine in a data directory, or a ClickHouse server. */
export type StoreTarget =
  | { readonly kind: 'embedded'; readonly path: string }
  | { readonly kind: 'server'; readonly url: string; readonly username?: string; readonly password?: string };

export function describeTarget(target: StoreTarget): string {
  return target.kind === 'embedded'
    ? `embedded ClickHouse (chDB) in ${target.path}`
    : `ClickHouse server ${target.url}`;
}

const spools = new WeakMap<ClickHouseClient, InsertSpool>();
/**
 * One spool per data directory in a process: clients of one engine (a writer's, a test's reader)
 * share it, so that opening a second one never empties the files the first is inserting from.
 */
const spoolsByDirectory = new Map<string, Promise<InsertSpool>>();

function spoolFor(dataPath: string): Promise<InsertSpool> {
  // Beside the engine's own folders, on its file system; the engine leaves a folder it does not know alone.
  const dir = resolve(dataPath, 'insert-spool');
  let spool = spoolsByDirectory.get(dir);
  if (spool === undefined) {
    spool = InsertSpool.open(dir);
    spoolsByDirectory.set(dir, spool);
    // A failed open is not kept: the next client tries again.
    spool.catch(() => spoolsByDirectory.delete(dir));
  }
  return spool;
}

/** Where the embedded engine behind a client made by createStoreClient reads inserts from; none for a server. */
export function insertSpoolOf(client: ClickHouseClient): InsertSpool | undefined {
  return spools.get(client);
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
    spools.set(client, await spoolFor(target.path));
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
