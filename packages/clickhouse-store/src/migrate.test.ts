import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, type Migration, migrate } from './migrate.js';

/** A stand-in client: answers version() and the migrations table, records every statement. */
function fakeClient(
  version: string,
  options: { recorded?: number[]; fail?: (sql: string) => string | undefined } = {},
) {
  const commands: string[] = [];
  const inserted: number[] = [];
  const client = {
    query: async ({ query }: { query: string }) => ({
      json: async () =>
        /version\(\)/.test(query)
          ? [{ version }]
          : [...(options.recorded ?? []), ...inserted].map((v) => ({ version: v })),
    }),
    command: async ({ query }: { query: string }) => {
      const code = options.fail?.(query);
      if (code !== undefined) throw Object.assign(new Error(`refused (${code})`), { code });
      commands.push(query);
      return {};
    },
    insert: async ({ values }: { values: { version: number }[] }) => {
      for (const v of values) inserted.push(v.version);
      return {};
    },
  };
  return { client: client as unknown as ClickHouseClient, commands, inserted };
}

const versions = (ms: readonly Migration[]) => ms.map((m) => m.version);

describe('MIGRATIONS', () => {
  it('are numbered 1, 2, 3… and each says why', () => {
    expect(versions(MIGRATIONS)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    for (const m of MIGRATIONS) expect(m.why.length).toBeGreaterThan(20);
  });

  it('create only what is not there yet (every statement can run twice)', () => {
    for (const modern of [false, true]) {
      const server = { version: modern ? '26.7' : '18.16.1', major: modern ? 26 : 18, minor: 7, modern };
      for (const m of MIGRATIONS.filter((x) => x.appliesTo?.(server) ?? true)) {
        for (const statement of m.statements({ database: 'db', server })) {
          const sql = typeof statement === 'string' ? statement : statement.sql;
          if (/^\s*CREATE\b/i.test(sql)) expect(sql).toMatch(/\bIF NOT EXISTS\b/);
          if (/\bADD COLUMN\b/i.test(sql)) expect(sql).toMatch(/\bADD COLUMN IF NOT EXISTS\b/);
          // Data is never dropped: only views that a later migration replaced (8), if still there.
          if (/\bDROP\b/i.test(sql))
            expect(sql).toMatch(/^DROP TABLE IF EXISTS db\.(series_mv|metric_metadata_mv)$/);
          expect(sql).not.toMatch(/\bRENAME\b/i);
        }
      }
    }
  });

  it('keep the portable core as it was: migrations 1 and 2 are for every server', () => {
    expect(MIGRATIONS[0]!.appliesTo).toBeUndefined();
    expect(MIGRATIONS[1]!.appliesTo).toBeUndefined();
    const [view] = MIGRATIONS[1]!.statements({
      database: 'metrics',
      server: { version: '18.16.1', major: 18, minor: 16, modern: false },
    });
    expect(view).toMatch(
      /SELECT org, name, toString\(type\) AS type, series_id, tags\.key, tags\.value, timestamp_us, value, dt_raw\s+FROM metrics\.sample_rows FINAL/,
    );
  });

  it('move the views onto series_feed (8): the new ones exist before the old ones go, on every server', () => {
    const eight = MIGRATIONS[7]!;
    expect(eight.appliesTo).toBeUndefined();
    const sql = eight
      .statements({ database: 'm', server: { version: '18.16.1', major: 18, minor: 16, modern: false } })
      .map((s) => (typeof s === 'string' ? s : s.sql).replace(/\s+/g, ' '));
    expect(sql[0]).toMatch(/^CREATE TABLE IF NOT EXISTS m\.series_feed \(.*\) ENGINE = Null$/);
    expect(sql[1]).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS m\.series_feed_mv TO m\.series AS .* FROM m\.series_feed GROUP BY/,
    );
    expect(sql[2]).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS m\.metric_metadata_feed_mv TO m\.metric_metadata AS .*argMax\(type, timestamp_us\).* FROM m\.series_feed GROUP BY/,
    );
    expect(sql.slice(3)).toEqual([
      'DROP TABLE IF EXISTS m.series_mv',
      'DROP TABLE IF EXISTS m.metric_metadata_mv',
    ]);
    // The feed has sample_rows' columns as migration 1 made them: the same rows fit both.
    const [rowsTable] = MIGRATIONS[0]!.statements({
      database: 'm',
      server: { version: '18.16.1', major: 18, minor: 16, modern: false },
    });
    const columnsOf = (create: string) =>
      create.replace(/\s+/g, ' ').replace(/^[^(]*\((.*)\) ENGINE.*$/, '$1');
    expect(columnsOf(sql[0]!)).toBe(columnsOf(rowsTable as string));
    expect(columnsOf(sql[0]!)).toMatch(
      /^ org String, name String, type Enum8\(.*\), series_id UInt64, tags Nested\(key String, value String\), timestamp_us Int64, value Float64, dt_raw String $/,
    );
  });
});

describe('migrate', () => {
  it('on 18.16 skips the modern-only migrations and does not record them', async () => {
    const { client, commands, inserted } = fakeClient('18.16.1');
    const { applied, skipped } = await migrate(client, 'metrics');
    const modernOnly = MIGRATIONS.filter((m) => m.appliesTo !== undefined);
    expect(modernOnly.length).toBeGreaterThan(0);
    expect(versions(skipped)).toEqual(versions(modernOnly));
    expect(versions(applied)).toEqual(versions(MIGRATIONS.filter((m) => m.appliesTo === undefined)));
    expect(inserted).toEqual(versions(applied));
    expect(commands.join('\n')).not.toMatch(/CODEC|LowCardinality|DateTime64|Map\(/);
  });

  it('applies them once the server is modern, and only what is missing', async () => {
    const { client, inserted } = fakeClient('26.7.2.1', { recorded: [1, 2, 3, 4] });
    const { applied, skipped } = await migrate(client, 'metrics');
    expect(versions(applied)).toEqual([5, 6, 7, 8]);
    expect(skipped).toEqual([]);
    expect(inserted).toEqual([5, 6, 7, 8]);
  });

  it('does nothing the second time', async () => {
    const { client, commands } = fakeClient('26.7.2.1', { recorded: versions(MIGRATIONS) });
    const { applied } = await migrate(client, 'metrics');
    expect(applied).toEqual([]);
    expect(
      commands.filter(
        (c) => !/CREATE (DATABASE|TABLE) IF NOT EXISTS metrics(\.schema_migrations)?\b/.test(c),
      ),
    ).toEqual([]);
  });

  it('takes "already exists" on CREATE … IF NOT EXISTS as a race lost to another writer', async () => {
    const { client, inserted } = fakeClient('18.16.1', {
      fail: (sql) => (/CREATE MATERIALIZED VIEW IF NOT EXISTS/.test(sql) ? '57' : undefined),
    });
    await migrate(client, 'metrics');
    expect(inserted).toContain(3);
  });

  it('goes on when a server refuses a tolerated statement (a key column type change)', async () => {
    const { client, inserted } = fakeClient('22.3.1', {
      fail: (sql) => (/MODIFY COLUMN (org|name) LowCardinality/.test(sql) ? '524' : undefined),
    });
    await migrate(client, 'metrics');
    expect(inserted).toContain(5);
  });

  it('stops on any other error, without recording the migration', async () => {
    const { client, inserted } = fakeClient('18.16.1', {
      fail: (sql) => (/CREATE TABLE IF NOT EXISTS metrics\.series/.test(sql) ? '62' : undefined),
    });
    await expect(migrate(client, 'metrics')).rejects.toThrow(/refused \(62\)/);
    expect(inserted).toEqual([1, 2]);
  });

  it('refuses a database name that is not an identifier', async () => {
    const { client } = fakeClient('18.16.1');
    await expect(migrate(client, 'metrics; DROP')).rejects.toThrow(/invalid database name/);
  });
});
