import type { ClickHouseClient } from '@clickhouse/client';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { detectServer, type ServerInfo } from './server-info.js';
import { TABLES } from './tables.js';

export type { Migration };
export { MIGRATIONS };

export async function appliedMigrations(client: ClickHouseClient, database: string): Promise<Set<number>> {
  const result = await client.query({
    query: `SELECT DISTINCT version FROM ${database}.${TABLES.migrations}`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ version: number | string }>();
  return new Set(rows.map((r) => Number(r.version)));
}

/**
 * Brings the database up to the newest schema: creates it, then applies each migration not yet
 * recorded, in order, and records it. Every statement is idempotent, so two writers starting at
 * once, or a run interrupted half-way, end in the same schema.
 */
export async function migrate(
  client: ClickHouseClient,
  database: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ server: ServerInfo; applied: Migration[] }> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database))
    throw new Error(`invalid database name ${JSON.stringify(database)}`);
  const server = await detectServer(client);
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${database}.${TABLES.migrations} (version UInt32, name String, why String, server_version String, applied_at DateTime) ENGINE = Log`,
  });
  const done = await appliedMigrations(client, database);
  const applied: Migration[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements({ database, server }))
      await client.command({ query: statement });
    await client.insert({
      table: `${database}.${TABLES.migrations}`,
      values: [
        {
          version: migration.version,
          name: migration.name,
          why: migration.why,
          server_version: server.version,
          applied_at: Math.floor(Date.now() / 1000),
        },
      ],
      format: 'JSONEachRow',
    });
    applied.push(migration);
  }
  return { server, applied };
}
