import { describe, expect, it } from 'vitest';
import { expiredPartitions, ttlClause, ttlStatements } from './retention.js';

const at = (iso: string) => Date.parse(iso);

describe('expiredPartitions', () => {
  const days = ['20250101', '20250105', '20250106', '20250107', '20250110'];

  it('drops a day once its last microsecond is N days old, not before', () => {
    // 3 days kept on 2025-01-10 12:00: 01-06 ended 01-07 00:00, +3 days = 01-10 00:00 → gone;
    // 01-07 ends 01-08, +3 = 01-11 → kept (some of its rows are younger than 3 days).
    expect(expiredPartitions(days, 3, at('2025-01-10T12:00:00Z'))).toEqual([
      '20250101',
      '20250105',
      '20250106',
    ]);
  });

  it('treats the boundary as inclusive: the instant the day expires it goes', () => {
    expect(expiredPartitions(['20250106'], 3, at('2025-01-10T00:00:00Z'))).toEqual(['20250106']);
    expect(expiredPartitions(['20250106'], 3, at('2025-01-09T23:59:59.999Z'))).toEqual([]);
  });

  it('keeps everything for 0 days (keep forever)', () => {
    expect(expiredPartitions(days, 0, at('2030-01-01T00:00:00Z'))).toEqual([]);
  });

  it('never drops what is not a calendar day, and answers each day once, sorted', () => {
    expect(
      expiredPartitions(
        ['all', 'tuple()', '2025010', '20250231', '20251301', '20240229', '20240229', '20230101'],
        1,
        at('2026-01-01T00:00:00Z'),
      ),
    ).toEqual(['20230101', '20240229']);
  });

  it('keeps today and future days', () => {
    expect(expiredPartitions(['20250110', '20250111'], 1, at('2025-01-10T12:00:00Z'))).toEqual([]);
  });
});

describe('ttlStatements', () => {
  const time = 'toDateTime(intDiv(timestamp_us, 1000000))';
  const base =
    "ReplacingMergeTree PARTITION BY toYYYYMMDD(toDateTime(intDiv(timestamp_us, 1000000), 'UTC')) ORDER BY (org, name, series_id, timestamp_us)";
  const settings = ' SETTINGS index_granularity = 8192';

  it('sets ttl_only_drop_parts and the TTL on a table without', () => {
    expect(ttlStatements('m.sample_rows', base + settings, time, 30)).toEqual([
      'ALTER TABLE m.sample_rows MODIFY SETTING ttl_only_drop_parts = 1',
      `ALTER TABLE m.sample_rows MODIFY TTL ${time} + INTERVAL 30 DAY`,
    ]);
  });

  it('does nothing when the table already has that TTL (the check runs at every start)', () => {
    const engine = `${base} TTL ${ttlClause(time, 30)} SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;
    expect(ttlStatements('m.sample_rows', engine, time, 30)).toEqual([]);
  });

  it('changes the TTL when the configured days change', () => {
    const engine = `${base} TTL ${time} + toIntervalDay(30) SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;
    expect(ttlStatements('m.sample_rows', engine, time, 7)).toEqual([
      `ALTER TABLE m.sample_rows MODIFY TTL ${time} + INTERVAL 7 DAY`,
    ]);
  });

  it('removes the TTL for 0 days, and only when there is one', () => {
    const engine = `${base} TTL ${time} + toIntervalDay(30) SETTINGS ttl_only_drop_parts = 1`;
    expect(ttlStatements('m.sample_rows', engine, time, 0)).toEqual(['ALTER TABLE m.sample_rows REMOVE TTL']);
    expect(ttlStatements('m.sample_rows', base + settings, time, 0)).toEqual([]);
  });

  it('reads a TTL at the end of engine_full (no SETTINGS after it)', () => {
    expect(
      ttlStatements('m.series', 'AggregatingMergeTree ORDER BY x TTL day + toIntervalDay(5)', 'day', 5),
    ).toEqual(['ALTER TABLE m.series MODIFY SETTING ttl_only_drop_parts = 1']);
  });
});
