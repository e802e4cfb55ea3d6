import type { ClickHouseClient } from '@clickhouse/client';
import type { ServerInfo } from './server-info.js';
import { TABLES } from './tables.js';

const DAY_MS = 86_400_000;

/** The tables partitioned by UTC day (`toYYYYMMDD`), and the time their TTL counts from. */
export const RETENTION_TABLES: readonly { readonly table: string; readonly ttlTime: string }[] = [
  { table: TABLES.sampleRows, ttlTime: 'toDateTime(intDiv(timestamp_us, 1000000))' },
  { table: TABLES.series, ttlTime: 'day' },
];

/**
 * The daily partitions (ids `YYYYMMDD`) whose every row is older than `retentionDays`: a day is
 * dropped once its end is `retentionDays` days past, so no row goes before its time (the same
 * moment a modern server's TTL with ttl_only_drop_parts drops the day). 0 keeps everything; ids
 * that are not days (an unpartitioned table's `all`) are never dropped.
 */
export function expiredPartitions(
  partitionIds: Iterable<string>,
  retentionDays: number,
  nowMs: number,
): string[] {
  if (!Number.isInteger(retentionDays) || retentionDays <= 0) return [];
  const out = new Set<string>();
  for (const id of partitionIds) {
    const match = /^(\d{4})(\d{2})(\d{2})$/.exec(id);
    if (match === null) continue;
    const [, y, m, d] = match;
    const start = Date.UTC(Number(y), Number(m) - 1, Number(d));
    const date = new Date(start);
    // Reject ids that are not calendar days (20250231 would roll over into March).
    if (
      date.getUTCFullYear() !== Number(y) ||
      date.getUTCMonth() !== Number(m) - 1 ||
      date.getUTCDate() !== Number(d)
    )
      continue;
    if (start + (retentionDays + 1) * DAY_MS <= nowMs) out.add(id);
  }
  return [...out].sort();
}

/** The TTL clause a modern server shows in `engine_full` for `retentionDays` (none for 0). */
export function ttlClause(ttlTime: string, retentionDays: number): string | undefined {
  return retentionDays > 0 ? `${ttlTime} + toIntervalDay(${retentionDays})` : undefined;
}

/**
 * The ALTER statements that bring one table's TTL to `retentionDays`, given its `engine_full`:
 * none when it already has it, so the check can run at every start and every hour for free.
 */
export function ttlStatements(
  qualifiedTable: string,
  engineFull: string,
  ttlTime: string,
  retentionDays: number,
): string[] {
  const current = /\sTTL\s+([\s\S]+?)(?:\s+SETTINGS\s|$)/.exec(engineFull)?.[1]?.trim();
  const wanted = ttlClause(ttlTime, retentionDays);
  const statements: string[] = [];
  if (wanted === undefined) {
    if (current !== undefined) statements.push(`ALTER TABLE ${qualifiedTable} REMOVE TTL`);
    return statements;
  }
  // Whole days are dropped at once when their last row expires, instead of rewriting parts row by row.
  if (!/\bttl_only_drop_parts\s*=\s*1\b/.test(engineFull))
    statements.push(`ALTER TABLE ${qualifiedTable} MODIFY SETTING ttl_only_drop_parts = 1`);
  if (current !== wanted)
    statements.push(`ALTER TABLE ${qualifiedTable} MODIFY TTL ${ttlTime} + INTERVAL ${retentionDays} DAY`);
  return statements;
}

export interface RetentionResult {
  /** `ttl` on modern servers, `drop-partitions` on old ones, `off` for 0 days on old ones. */
  readonly mode: 'ttl' | 'drop-partitions' | 'off';
  /** Statements run (TTL changes, partition drops); empty when nothing was due. */
  readonly statements: string[];
}

/**
 * Keeps `retentionDays` days of samples and series (0 = forever). Modern servers get a TTL
 * (changed, or removed, when the setting changes); old ones (18.16 has no TTL on this schema)
 * lose their expired daily partitions. Idempotent: call it at start and then periodically.
 */
export async function applyRetention(
  client: ClickHouseClient,
  database: string,
  server: ServerInfo,
  retentionDays: number,
  nowMs: number = Date.now(),
): Promise<RetentionResult> {
  if (!Number.isInteger(retentionDays) || retentionDays < 0)
    throw new Error(`retention days must be a whole number ≥ 0, got ${retentionDays}`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database))
    throw new Error(`invalid database name ${JSON.stringify(database)}`);
  const tables = RETENTION_TABLES.map((t) => t.table);
  // Identifiers checked above and constants: safe to inline, and 18.16 knows no query parameters.
  const inList = tables.map((t) => `'${t}'`).join(', ');
  const statements: string[] = [];
  if (server.modern) {
    const result = await client.query({
      query: `SELECT name, engine_full FROM system.tables WHERE database = '${database}' AND name IN (${inList})`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ name: string; engine_full: string }>();
    for (const { table, ttlTime } of RETENTION_TABLES) {
      const row = rows.find((r) => r.name === table);
      if (row === undefined) continue;
      statements.push(...ttlStatements(`${database}.${table}`, row.engine_full, ttlTime, retentionDays));
    }
    for (const statement of statements) await client.command({ query: statement });
    return { mode: 'ttl', statements };
  }
  if (retentionDays === 0) return { mode: 'off', statements };
  const result = await client.query({
    query: `SELECT DISTINCT table, partition_id FROM system.parts WHERE database = '${database}' AND table IN (${inList}) AND active`,
    format: 'JSONEachRow',
  });
  const parts = await result.json<{ table: string; partition_id: string }>();
  for (const table of tables) {
    const ids = parts.filter((p) => p.table === table).map((p) => p.partition_id);
    for (const id of expiredPartitions(ids, retentionDays, nowMs))
      statements.push(`ALTER TABLE ${database}.${table} DROP PARTITION ${id}`);
  }
  for (const statement of statements) await client.command({ query: statement });
  return { mode: 'drop-partitions', statements };
}
