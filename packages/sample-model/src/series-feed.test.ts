import { describe, expect, it } from 'vitest';
import { decodeSampleRows } from './row-decoding.js';
import { encodeSampleRows, SampleRowWriter, SeriesRowCache } from './row-encoding.js';
import { makeSample, type Sample } from './sample.js';
import { SeriesFeed, utcDayOf } from './series-feed.js';

const DAY = 86_400_000_000;
const T0 = Date.UTC(2025, 5, 1, 12) * 1000;

const sample = (name: string, timestampUs: number, value: number, host = 'a', dtRaw = ''): Sample =>
  makeSample({ name, type: 'gauge', tags: [['host', host]], timestampUs, value, dtRaw });

/** Writes the samples as the normalizer does, noting them in the feed; returns the feed's reports. */
function run(batches: readonly (readonly [string, Sample])[][], maxBytes = 1 << 20) {
  const cache = new SeriesRowCache();
  const rows = new SampleRowWriter(cache, 64);
  const feed = new SeriesFeed();
  const reports: { org: string; rows: Buffer; count: number }[][] = [];
  for (const batch of batches) {
    for (const [org, s] of batch) rows.write(org, s, feed);
    rows.take();
    reports.push(feed.report(new SampleRowWriter(cache, 64), maxBytes));
  }
  return { reports, feed, cache };
}

describe('utcDayOf', () => {
  it('cuts days at UTC midnight', () => {
    const midnight = Date.UTC(2025, 5, 2) * 1000;
    expect(utcDayOf(midnight - 1)).toBe(utcDayOf(midnight) - 1);
    expect(utcDayOf(midnight)).toBe(utcDayOf(midnight + DAY - 1));
    expect(utcDayOf(0)).toBe(0);
  });
});

describe('SeriesFeed', () => {
  it('reports each series once or twice: exact copies of its first and last sample rows', () => {
    const first = sample('cpu', T0 - 5, 1, 'a', '2025-06-01T11:59:59Z');
    const last = sample('cpu', T0 + 9, 3);
    const { reports } = run([
      [
        ['acme', sample('cpu', T0, 2)],
        ['acme', last],
        ['acme', first],
        ['acme', sample('cpu', T0 + 1, 4)],
        ['acme', sample('cpu', T0, 5, 'b')],
      ],
    ]);
    expect(reports[0]).toEqual([
      {
        org: 'acme',
        count: 3,
        rows: Buffer.concat([
          encodeSampleRows('acme', [first]),
          encodeSampleRows('acme', [last]),
          encodeSampleRows('acme', [sample('cpu', T0, 5, 'b')]),
        ]),
      },
    ]);
  });

  it('keeps a row per UTC day of a series, and per org', () => {
    const { reports } = run([
      [
        ['acme', sample('cpu', T0, 1)],
        ['acme', sample('cpu', T0 - DAY, 2)],
        ['acme', sample('cpu', T0 + 5, 3)],
        ['other', sample('cpu', T0, 4)],
      ],
    ]);
    const [acme, other] = reports[0]!;
    expect(acme!.org).toBe('acme');
    expect(decodeSampleRows(acme!.rows).map((r) => [r.timestamp_us, r.value])).toEqual([
      [T0, 1],
      [T0 + 5, 3],
      [T0 - DAY, 2],
    ]);
    expect(other).toMatchObject({
      org: 'other',
      count: 1,
      rows: encodeSampleRows('other', [sample('cpu', T0, 4)]),
    });
  });

  it('on equal timestamps keeps the later sample, as sample_rows does', () => {
    const { reports } = run([
      [
        ['acme', sample('cpu', T0, 1)],
        ['acme', sample('cpu', T0, 2)],
      ],
    ]);
    expect(reports[0]).toMatchObject([{ count: 1, rows: encodeSampleRows('acme', [sample('cpu', T0, 2)]) }]);
  });

  it('starts over after a report: the next one holds only what came since', () => {
    const { reports, feed } = run([
      [
        ['acme', sample('cpu', T0, 1)],
        ['acme', sample('cpu', T0 + 10, 2)],
      ],
      [['acme', sample('cpu', T0 + 5, 3)]],
      [],
    ]);
    expect(reports[1]).toMatchObject([
      { count: 1, rows: encodeSampleRows('acme', [sample('cpu', T0 + 5, 3)]) },
    ]);
    expect(reports[2]).toEqual([]);
    expect(feed.size).toBe(0);
  });

  it('counts series-days noted since the last report', () => {
    const cache = new SeriesRowCache();
    const rows = new SampleRowWriter(cache, 64);
    const feed = new SeriesFeed();
    rows.write('acme', sample('cpu', T0, 1), feed);
    rows.write('acme', sample('cpu', T0 + 1, 1), feed);
    expect(feed.size).toBe(1);
    rows.write('acme', sample('cpu', T0 + DAY, 1), feed);
    rows.write('acme', sample('mem', T0, 1), feed);
    expect(feed.size).toBe(3);
    // Writing without a feed notes nothing.
    rows.write('acme', sample('disk', T0, 1));
    expect(feed.size).toBe(3);
  });

  it('cuts a large report into pieces of about maxBytes, never splitting a row', () => {
    const batch: [string, Sample][] = [];
    for (let i = 0; i < 100; i++) batch.push(['acme', sample('cpu', T0, i, `host-${i}`)]);
    const { reports } = run([batch], 500);
    const pieces = reports[0]!;
    expect(pieces.length).toBeGreaterThan(5);
    for (const p of pieces) {
      expect(p.rows.length).toBeLessThan(500 + 200);
      // Whole rows only: a piece cut inside one would not decode.
      expect(decodeSampleRows(p.rows)).toHaveLength(p.count);
    }
    expect(pieces.reduce((n, p) => n + p.count, 0)).toBe(100);
  });

  it('loses nothing when the row cache drops its entries between reports', () => {
    const cache = new SeriesRowCache(2);
    const rows = new SampleRowWriter(cache, 64);
    const feed = new SeriesFeed();
    for (let i = 0; i < 5; i++) rows.write('acme', sample('cpu', T0 + i, i, `h${i % 3}`), feed);
    rows.write('acme', sample('cpu', T0 - 1, 9, 'h0'), feed);
    const reported = feed
      .report(new SampleRowWriter(cache, 64), 1 << 20)
      .flatMap((p) => decodeSampleRows(p.rows));
    const rowsOf = (host: string) =>
      reported.filter((r) => r['tags.value'][0] === host).map((r) => r.timestamp_us);
    // Each series' first and last are there (a dropped entry's series may appear more than once).
    expect(Math.min(...rowsOf('h0'))).toBe(T0 - 1);
    expect(Math.max(...rowsOf('h0'))).toBe(T0 + 3);
    expect(Math.min(...rowsOf('h1'))).toBe(T0 + 1);
    expect(Math.max(...rowsOf('h1'))).toBe(T0 + 4);
    expect(rowsOf('h2')).toEqual([T0 + 2]);
  });
});
