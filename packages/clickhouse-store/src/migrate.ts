import type { ClickHouseClient } from '@clickhouse/client';
import { MIGRATIONS, type Migration, type Statement } from './migrations/index.js';
import { detectServer, type ServerInfo } from './server-info.js';
import { TABLES } from './tables.js';

export type { Migration, Statement };
export { MIGRATIONS };

export async function appliedMigrations(client: ClickHouseClient, database: string): Promise<Set<number>> {
  const result = await client.query({
    query: `SELECT DISTINCT version FROM ${database}.${TABLES.migrations}`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ version: number | string }>();
  return new Set(rows.map((r) => Number(r.version)));
}

/** TABLE_ALREADY_EXISTS, DATABASE_ALREADY_EXISTS: a concurrent `CREATE … IF NOT EXISTS` won the race. */
const RACE_LOST = new Set(['57', '82']);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs one statement. `CREATE … IF NOT EXISTS` can still fail when another process creates the
 * same object between the check and the create (seen on old servers); the object exists either way.
 */
async function run(client: ClickHouseClient, statement: Statement): Promise<void> {
  const sql = typeof statement === 'string' ? statement : statement.sql;
  try {
    await client.command({ query: sql });
  } catch (error) {
    const code = errorCode(error);
    if (code !== undefined && RACE_LOST.has(code) && /^\s*CREATE\b[\s\S]*?\bIF NOT EXISTS\b/i.test(sql))
      return;
    if (typeof statement !== 'string' && code !== undefined && statement.tolerate.includes(code)) return;
    throw error;
  }
}

/**
 * Brings the database up to the newest schema: creates it, then applies each migration not yet
 * recorded, in order, and records it. Every statement is idempotent, so two writers starting at
 * once, or a run interrupted half-way, end in the same schema. Migrations for newer servers are
 * skipped (and not recorded) on older ones: they run once the server is upgraded.
 */
export async function migrate(
  client: ClickHouseClient,
  database: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ server: ServerInfo; applied: Migration[]; skipped: Migration[] }> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database))
    throw new Error(`invalid database name ${JSON.stringify(database)}`);
  const server = await detectServer(client);
  await run(client, `CREATE DATABASE IF NOT EXISTS ${database}`);
  await run(
    client,
    `CREATE TABLE IF NOT EXISTS ${database}.${TABLES.migrations} (version UInt32, name String, why String, server_version String, applied_at DateTime) ENGINE = Log`,
  );
  const done = await appliedMigrations(client, database);
  const applied: Migration[] = [];
  const skipped: Migration[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    if (migration.appliesTo !== undefined && !migration.appliesTo(server)) {
      skipped.push(migration);
      continue;
    }
    for (const statement of migration.statements({ database, server })) await run(client, statement);
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
  return { server, applied, skipped };
}
