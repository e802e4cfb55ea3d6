/**
 * Bytes on disk per stored sample. Writes a realistic data set (default 10 000 series × 100 samples:
 * 40% gauges, 30% counters, 30% histogram series — 10 buckets + _sum + _count per histogram) the
 * way the writer does (rows encoded by `encodeSampleRows`, inserted as RowBinary) into a fresh
 * embedded engine, merges everything (OPTIMIZE TABLE … FINAL) and reads system.parts.
 * The same rows are copied into a second database that has only the portable core (migrations
 * 1–2, the layout ClickHouse 18.16 keeps) for comparison.
 *
 *   node --import tsx scripts/storage-efficiency.ts [--series 10000] [--samples 100]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createStoreClient, insertRows, MIGRATIONS, migrate, TABLES } from '@pipeline/clickhouse-store';
import {
  encodeSampleRows,
  type MetricType,
  makeSample,
  type Sample,
  SeriesRowCache,
  type Tag,
} from '@pipeline/sample-model';

const { values: args } = parseArgs({
  options: { series: { type: 'string', default: '10000' }, samples: { type: 'string', default: '100' } },
});
const SERIES = Number(args.series);
const SAMPLES = Number(args.samples);
const INTERVAL_US = 10_000_000;
const START_US = Date.UTC(2025, 0, 1) * 1000;
const CHUNK = 50_000;

/** mulberry32: the same data on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Series {
  readonly name: string;
  readonly type: MetricType;
  readonly tags: readonly Tag[];
  readonly kind: 'gauge' | 'counter' | 'bucket' | 'sum' | 'count';
  value: number;
}

function makeSeries(total: number, rnd: () => number): Series[] {
  const out: Series[] = [];
  let n = 0;
  const baseTags = (): Tag[] => {
    n += 1;
    return [
      ['host', `host-${String(n % 500).padStart(3, '0')}`],
      ['instance', `10.0.${n >> 8}.${n & 255}:9100`],
      ['region', ['eu-west-1', 'us-east-1', 'ap-south-1'][n % 3]!],
      ['service', `svc-${n % 40}`],
    ];
  };
  const gauges = ['cpu_usage_ratio', 'memory_used_bytes', 'disk_free_bytes', 'queue_depth'];
  const counters = ['http_requests_total', 'bytes_sent_total', 'errors_total'];
  const histograms = Math.floor((total * 0.3) / 12);
  const counterCount = Math.floor(total * 0.3);
  const gaugeCount = total - counterCount - histograms * 12;
  for (let i = 0; i < gaugeCount; i++)
    out.push({
      name: gauges[i % gauges.length]!,
      type: 'gauge',
      tags: baseTags(),
      kind: 'gauge',
      value: rnd() * 100,
    });
  for (let i = 0; i < counterCount; i++) {
    const tags: Tag[] = [
      ...baseTags(),
      ['method', ['GET', 'POST'][i % 2]!],
      ['status', ['200', '404', '500'][i % 3]!],
    ];
    out.push({
      name: counters[i % counters.length]!,
      type: 'counter',
      tags,
      kind: 'counter',
      value: Math.floor(rnd() * 1e6),
    });
  }
  const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
  const name = 'http_request_duration_seconds';
  for (let h = 0; h < histograms; h++) {
    const tags: Tag[] = [...baseTags(), ['route', `/api/v1/r${h % 50}`]];
    for (const b of bounds)
      out.push({ name, type: 'histogram', tags: [...tags, ['upper_limit', b]], kind: 'bucket', value: 0 });
    out.push({ name: `${name}_sum`, type: 'histogram', tags, kind: 'sum', value: 0 });
    out.push({ name: `${name}_count`, type: 'histogram', tags, kind: 'count', value: 0 });
  }
  return out;
}

/** RowBinary bodies of ~CHUNK rows: one scrape of every series every 10 s, with a few ms of jitter. */
function* bodies(series: Series[], rnd: () => number): Generator<{ body: Buffer; count: number }> {
  const cache = new SeriesRowCache();
  let batch: Sample[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = START_US + i * INTERVAL_US;
    let bucketStep = 0;
    for (const s of series) {
      if (s.kind === 'gauge') s.value = Math.max(0, s.value + (rnd() - 0.5) * 2);
      else if (s.kind === 'counter') s.value += Math.floor(rnd() * 100);
      else if (s.kind === 'bucket') {
        bucketStep += Math.floor(rnd() * 20); // cumulative buckets: each at least the one before
        s.value += bucketStep;
      } else if (s.kind === 'sum') s.value += rnd() * 5;
      else {
        s.value += bucketStep;
        bucketStep = 0;
      }
      const timestampUs = t + Math.floor(rnd() * 50) * 1000;
      batch.push(makeSample({ name: s.name, type: s.type, tags: s.tags, timestampUs, value: s.value }));
      if (batch.length >= CHUNK) {
        yield { body: encodeSampleRows('acme', batch, cache), count: batch.length };
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield { body: encodeSampleRows('acme', batch, cache), count: batch.length };
}

const dir = mkdtempSync(join(tmpdir(), 'storage-efficiency-'));
const client = await createStoreClient({ kind: 'embedded', path: dir });

async function one<T>(sql: string): Promise<T> {
  const result = await client.query({ query: sql, format: 'JSONEachRow' });
  const [row] = await result.json<T>();
  return row as T;
}

interface PartsRow {
  rows: string;
  compressed: string;
  uncompressed: string;
  on_disk: string;
  parts: string;
}

async function report(database: string, table: string, samples: number) {
  await client.command({ query: `OPTIMIZE TABLE ${database}.${table} FINAL` });
  const p = await one<PartsRow>(
    `SELECT sum(rows) AS rows, sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed,
            sum(bytes_on_disk) AS on_disk, count() AS parts
     FROM system.parts WHERE database = '${database}' AND table = '${table}' AND active`,
  );
  const columns = await (
    await client.query({
      query: `SELECT name, type, compression_codec, data_compressed_bytes AS bytes FROM system.columns
              WHERE database = '${database}' AND table = '${table}' AND default_kind != 'ALIAS' ORDER BY position`,
      format: 'JSONEachRow',
    })
  ).json<{ name: string; type: string; compression_codec: string; bytes: string }>();
  return { ...p, perSample: (bytes: string) => Number(bytes) / samples, columns };
}

try {
  const rnd = prng(42);
  const series = makeSeries(SERIES, rnd);
  const { server } = await migrate(client, 'metrics');
  await migrate(client, 'portable', MIGRATIONS.slice(0, 2));
  let rows = 0;
  let inputBytes = 0;
  let insertMs = 0;
  for (const { body, count } of bodies(series, rnd)) {
    const started = performance.now();
    await insertRows(client, 'metrics', body);
    insertMs += performance.now() - started;
    inputBytes += body.length;
    rows += count;
  }
  const insertSeconds = insertMs / 1000;
  // The series table is fed as the normalizer's reports feed it (migration 8); once with every row
  // gives it the same content, one row per series and day.
  await client.command({
    query: `INSERT INTO metrics.${TABLES.seriesFeed} SELECT org, name, type, series_id, tags.key, tags.value, timestamp_us, value, dt_raw FROM metrics.${TABLES.sampleRows}`,
  });
  await client.command({
    query: `INSERT INTO portable.${TABLES.sampleRows} SELECT org, name, type, series_id, tags.key, tags.value, timestamp_us, value, dt_raw FROM metrics.${TABLES.sampleRows}`,
  });

  const modern = await report('metrics', TABLES.sampleRows, rows);
  const portable = await report('portable', TABLES.sampleRows, rows);
  const seriesTable = await report('metrics', TABLES.series, rows);
  const fmt = (n: number) => n.toFixed(2);

  const lines: string[] = [];
  lines.push(
    `ClickHouse ${server.version} (embedded, chDB) — ${series.length} series × ${SAMPLES} samples = ${rows} rows`,
  );
  lines.push(
    `input: ${fmt(inputBytes / rows)} bytes/sample of RowBinary; inserts took ${insertSeconds.toFixed(1)} s (${Math.round(rows / insertSeconds)} rows/s in chunks of ${CHUNK}; the series table fed once afterwards)`,
  );
  lines.push('');
  lines.push(
    '| layout | rows after OPTIMIZE FINAL | data_compressed_bytes / sample | bytes_on_disk / sample | uncompressed / sample |',
  );
  lines.push('|---|---|---|---|---|');
  for (const [label, r] of [
    ['modern (migrations 1–7: codecs)', modern],
    ['portable core (migrations 1–2, as on 18.16)', portable],
  ] as const) {
    lines.push(
      `| ${label} | ${r.rows} | ${fmt(r.perSample(r.compressed))} | ${fmt(r.perSample(r.on_disk))} | ${fmt(r.perSample(r.uncompressed))} |`,
    );
  }
  lines.push(
    `| series table (per stored sample) | ${seriesTable.rows} | ${fmt(seriesTable.perSample(seriesTable.compressed))} | ${fmt(seriesTable.perSample(seriesTable.on_disk))} | ${fmt(seriesTable.perSample(seriesTable.uncompressed))} |`,
  );
  lines.push('');
  lines.push('| column | modern type, codec | modern bytes/sample | portable bytes/sample |');
  lines.push('|---|---|---|---|');
  for (const c of modern.columns) {
    const other = portable.columns.find((x) => x.name === c.name);
    lines.push(
      `| ${c.name} | ${c.type}${c.compression_codec ? ` ${c.compression_codec}` : ''} | ${fmt(modern.perSample(c.bytes))} | ${other ? fmt(portable.perSample(other.bytes)) : '—'} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
