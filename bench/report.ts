/**
 * Reporters: medians over the repetitions as Markdown tables (stdout, pasted into
 * docs/benchmarks.md as they are) and everything measured as JSON under bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Format } from './encoders.js';
import type { BigBodyResult, LatencyResult, SoakResult, ThroughputResult } from './phases.js';
import type { ProfileSummary } from './profile-summary.js';
import type { Role } from './stack.js';
import { mean, median } from './stats.js';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly loadAverageAtStart: readonly number[];
  readonly loadAverageAtEnd?: readonly number[];
}

export interface BenchReport {
  readonly label: string;
  readonly startedAt: string;
  readonly command: string;
  readonly machine: Machine;
  readonly versions: Record<string, string>;
  readonly settings: Record<string, unknown>;
  /** First contact with the series (not in the medians). */
  readonly warmUp: readonly ThroughputResult[];
  readonly throughput: readonly ThroughputResult[];
  readonly latency: readonly LatencyResult[];
  readonly bigBodies: readonly BigBodyResult[];
  readonly soak: readonly SoakResult[];
  /** Peak RSS (KiB) of every process after the repetitions (before the big bodies). */
  readonly peakKiB: Partial<Record<Role, number>>;
  readonly profiles: readonly ProfileSummary[];
  readonly notes: readonly string[];
}

const FORMAT_LABEL: Record<Format, string> = {
  prometheus: 'VictoriaMetrics 1.79 (Prometheus text)',
  'bs-json': 'pipeline, Better Stack JSON',
  'bs-msgpack': 'pipeline, Better Stack MessagePack',
  'oo-json': 'pipeline, OpenObserve JSON',
};

const ROWS: readonly Format[] = ['prometheus', 'bs-json', 'bs-msgpack', 'oo-json'];

function rate(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(0);
}

const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const ratio = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : '–');
const mib = (kib: number | undefined) =>
  kib === undefined || !Number.isFinite(kib) ? '–' : `${(kib / 1024).toFixed(0)}`;

function spread(values: readonly number[], show: (v: number) => string): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length <= 1) return show(median(values));
  return `${show(median(values))} (${show(Math.min(...finite))}–${show(Math.max(...finite))})`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

function pick(results: readonly ThroughputResult[], kind: ThroughputResult['kind'], format: Format) {
  return results.filter((r) => r.kind === kind && r.format === format);
}

/**
 * Per repetition, ours divided by VictoriaMetrics' of the same repetition (its run of `vmKind`:
 * two receivers are compared with its one process); then the median.
 */
function pairedRatio(
  results: readonly ThroughputResult[],
  kind: ThroughputResult['kind'],
  format: Format,
  value: (r: ThroughputResult) => number | undefined,
  vmKind: ThroughputResult['kind'] = kind,
): number[] {
  const out: number[] = [];
  for (const ours of pick(results, kind, format)) {
    const vm = results.find((r) => r.kind === vmKind && r.format === 'prometheus' && r.rep === ours.rep);
    const a = value(ours);
    const b = vm === undefined ? undefined : value(vm);
    if (a !== undefined && b !== undefined && b > 0) out.push(a / b);
  }
  return out;
}

export function throughputTable(results: readonly ThroughputResult[]): string {
  const rows = ROWS.filter(
    (f) => pick(results, 'accept', f).length + pick(results, 'end-to-end', f).length > 0,
  ).map((format) => {
    const accept = pick(results, 'accept', format).map((r) => r.acceptedPerS);
    const replicas = pick(results, 'accept-replicas', format).map((r) => r.acceptedPerS);
    const e2e = pick(results, 'end-to-end', format);
    const isVm = format === 'prometheus';
    return [
      FORMAT_LABEL[format],
      spread(accept, rate),
      isVm
        ? '1'
        : spread(
            pairedRatio(results, 'accept', format, (r) => r.acceptedPerS),
            ratio,
          ),
      isVm ? '(one process)' : spread(replicas, rate),
      isVm
        ? '1'
        : spread(
            pairedRatio(results, 'accept-replicas', format, (r) => r.acceptedPerS, 'accept'),
            ratio,
          ),
      spread(
        e2e.map((r) => r.acceptedPerS),
        rate,
      ),
      spread(
        e2e.map((r) => r.endToEndPerS ?? Number.NaN),
        rate,
      ),
      isVm
        ? '1'
        : spread(
            pairedRatio(results, 'end-to-end', format, (r) => r.endToEndPerS),
            ratio,
          ),
      spread(
        e2e.map((r) => r.queryableAfterLastAckS ?? Number.NaN),
        (v) => fixed(v, 2),
      ),
    ];
  });
  return table(
    [
      'system, dialect',
      'accepted samples/s, alone',
      'ours / VM',
      'accepted samples/s, 2 receivers',
      'ours / VM',
      'accepted samples/s, in e2e run',
      'end-to-end samples/s',
      'ours / VM',
      'queryable after last 2xx (s)',
    ],
    rows,
  );
}

const CPU_COLUMNS: readonly [Role, string][] = [
  ['receiver', 'receiver'],
  ['receiver-solo', 'receiver (alone)'],
  ['receiver-solo-2', 'second receiver'],
  ['kafka', 'Kafka'],
  ['kafka-jit', "of which Kafka's JIT"],
  ['normalizer', 'normalizer'],
  ['writer', 'writer + chDB'],
  ['victoria-metrics', 'VictoriaMetrics'],
];

/**
 * The roles whose CPU is the servers': not the load client, not the whole machine, and not Kafka's
 * JIT, whose CPU is inside Kafka's.
 */
const isServer = (role: Role): boolean =>
  role !== 'kafka-jit' && role !== 'bench-client' && role !== 'machine';

/** The CPU seconds the servers spent in a run. */
const serversCpuS = (r: ThroughputResult): number =>
  (Object.entries(r.cpuS) as [Role, number][])
    .filter(([role]) => isServer(role))
    .reduce((sum, [, cpu]) => sum + cpu, 0);

/** Wall seconds of a run: first send to last answer, or to all queryable for end-to-end runs. */
function wallSeconds(r: ThroughputResult): number {
  if (r.kind === 'end-to-end' && r.endToEndPerS !== undefined && r.endToEndPerS > 0)
    return r.okSamples / r.endToEndPerS;
  return r.elapsedS;
}

/**
 * CPU per stage: seconds per million samples, or (`cores`) CPU seconds per wall second, i.e. how
 * many cores the process kept busy (1.0 for a saturated Node event loop, a bit more with GC threads).
 */
export function cpuTable(
  results: readonly ThroughputResult[],
  kind: ThroughputResult['kind'],
  unit: 'per-million' | 'cores' = 'per-million',
): string {
  const rows: string[][] = [];
  const columns = CPU_COLUMNS.filter(([role]) =>
    results.some((r) => r.kind === kind && r.cpuSPerMillion[role] !== undefined),
  );
  const value = (r: ThroughputResult, role: Role): number => {
    const cpu = unit === 'cores' ? r.cpuS[role] : r.cpuSPerMillion[role];
    if (cpu === undefined) return Number.NaN;
    return unit === 'cores' ? cpu / wallSeconds(r) : cpu;
  };
  for (const format of ROWS) {
    const runs = pick(results, kind, format);
    if (runs.length === 0) continue;
    const cell = (role: Role) => {
      const values = runs.map((r) => value(r, role));
      return values.some(Number.isFinite) ? fixed(median(values)) : '';
    };
    const ours = (r: ThroughputResult, withClient: boolean) =>
      (Object.keys(r.cpuSPerMillion) as Role[])
        .filter((role) => isServer(role) || (withClient && role === 'bench-client'))
        .reduce((sum, role) => sum + (Number.isFinite(value(r, role)) ? value(r, role) : 0), 0);
    const row = [
      FORMAT_LABEL[format],
      ...columns.map(([role]) => cell(role)),
      fixed(median(runs.map((r) => ours(r, false)))),
      cell('bench-client'),
    ];
    if (unit === 'cores') {
      row.push(cell('machine'), fixed(median(runs.map((r) => value(r, 'machine') - ours(r, true)))));
    }
    rows.push(row);
  }
  const header = ['system, dialect', ...columns.map(([, label]) => label), 'all servers', 'load client'];
  if (unit === 'cores') header.push('whole machine', 'outside the bench');
  return table(header, rows);
}

/**
 * What each format's bodies weigh and what a byte of them costs the servers, in the accepted-rate
 * runs (one receiver, or VictoriaMetrics' import): the formats carry different bytes for the same
 * samples, and a receiver's cost follows its bytes. Only runs whose every request was 2xx count, so
 * that bytes and samples are of the same requests.
 */
export function bytesTable(results: readonly ThroughputResult[]): string {
  const rows: string[][] = [];
  for (const format of ROWS) {
    const runs = pick(results, 'accept', format).filter(
      (r) => r.bytesSent > 0 && r.okSamples > 0 && Object.keys(r.statuses).every((s) => s.startsWith('2')),
    );
    if (runs.length === 0) continue;
    rows.push([
      FORMAT_LABEL[format],
      fixed(median(runs.map((r) => r.bytesSent / r.okSamples)), 1),
      fixed(median(runs.map((r) => r.bytesSent / r.elapsedS / 2 ** 20)), 0),
      fixed(median(runs.map((r) => (serversCpuS(r) * 1e9) / r.bytesSent)), 2),
    ]);
  }
  return table(
    ['system, dialect', 'body bytes per sample', 'MiB/s accepted', "servers' CPU ns per byte"],
    rows,
  );
}

export function warmUpTable(results: readonly ThroughputResult[]): string {
  return table(
    ['system, dialect', 'samples', 'end-to-end samples/s', 'queryable after last 2xx (s)'],
    results.map((r) => [
      FORMAT_LABEL[r.format],
      String(r.okSamples),
      rate(r.endToEndPerS ?? Number.NaN),
      fixed(r.queryableAfterLastAckS ?? Number.NaN),
    ]),
  );
}

export function latencyTable(results: readonly LatencyResult[]): string {
  return table(
    [
      'system, dialect',
      'offered samples/s',
      'accepted samples/s',
      'requests',
      'p50 ms',
      'p99 ms',
      'max ms',
      'unseen',
    ],
    results.map((r) => [
      FORMAT_LABEL[r.format],
      rate(r.targetSamplesPerS),
      rate(r.acceptedPerS),
      String(r.requests),
      fixed(r.p50Ms, 0),
      fixed(r.p99Ms, 0),
      fixed(r.maxMs, 0),
      String(r.acked - r.seen),
    ]),
  );
}

export function memoryTable(peakKiB: Partial<Record<Role, number>>, big: readonly BigBodyResult[]): string {
  const rows = (Object.entries(peakKiB) as [Role, number][]).map(([role, kib]) => [role, mib(kib)]);
  for (const b of big)
    rows.push([
      `receiver (alone), ${b.concurrency} × ${(b.bodyBytes / 2 ** 20).toFixed(1)} MiB ${b.format} bodies`,
      `${mib(b.receiverPeakKiB)}${b.peakWasReset ? '' : ' (lifetime peak)'}`,
    ]);
  return table(['process', 'peak RSS (MiB)'], rows);
}

export function bigBodyTable(results: readonly BigBodyResult[]): string {
  return table(
    [
      'dialect',
      'body',
      'samples/body',
      'concurrent',
      'answers',
      'accepted samples/s',
      'p50 / max request ms',
      'receiver RSS before → peak (MiB)',
    ],
    results.map((r) => [
      FORMAT_LABEL[r.format],
      `${(r.bodyBytes / 2 ** 20).toFixed(1)} MiB`,
      String(r.samplesPerBody),
      String(r.concurrency),
      Object.entries(r.statuses)
        .map(([s, n]) => `${n}× ${s}`)
        .join(', ') + (r.receiverAlive ? '' : ' (receiver died)'),
      rate(r.acceptedPerS),
      `${fixed(r.requestMs.p50, 0)} / ${fixed(r.requestMs.max, 0)}`,
      `${mib(r.receiverRssBeforeKiB)} → ${mib(r.receiverPeakKiB)}`,
    ]),
  );
}

/** Least-squares slope of RSS (MiB per minute) over the samples from `fromS` on. */
function slopeMiBPerMinute(points: readonly (readonly [number, number])[]): number {
  if (points.length < 2) return Number.NaN;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den / 1024) * 60;
}

export function soakTable(results: readonly SoakResult[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    const after = Math.min(60, r.durationS / 2);
    for (const role of ['receiver', 'kafka', 'normalizer', 'writer'] as const) {
      const series = r.timeline
        .filter(([, rss]) => rss[role] !== undefined)
        .map(([t, rss]) => [t, rss[role]!] as const);
      if (series.length === 0) continue;
      const settled = series.filter(([t]) => t >= after);
      const at = (t: number) =>
        series.reduce((best, p) => (Math.abs(p[0] - t) < Math.abs(best[0] - t) ? p : best));
      const first = settled.slice(0, Math.floor(settled.length / 2)).map(([, v]) => v);
      const second = settled.slice(Math.floor(settled.length / 2)).map(([, v]) => v);
      rows.push([
        `${FORMAT_LABEL[r.format]}: ${role}`,
        mib(series[0]![1]),
        mib(at(after)[1]),
        mib(series[series.length - 1]![1]),
        mib(Math.max(...series.map(([, v]) => v))),
        // A sawtooth (batches, merges) makes single readings and slopes jumpy; halves' means are not.
        mib(mean(first)),
        mib(mean(second)),
        // A heap that fills for minutes between collections moves the means without growing: its
        // peaks level off, where a leak's keep rising.
        mib(Math.max(...first)),
        mib(Math.max(...second)),
        fixed(slopeMiBPerMinute(settled), 1),
      ]);
    }
  }
  const summary = results
    .map(
      (r) =>
        `${FORMAT_LABEL[r.format]}, ${r.durationS} s: accepted ${rate(r.acceptedPerS)} samples/s, ` +
        `inserted ${rate(r.insertedPerS)} rows/s, answers ${Object.entries(r.statuses)
          .map(([s, n]) => `${n}× ${s}`)
          .join(', ')}; cores busy: ${Object.entries(r.cores)
          .map(([role, c]) => `${role} ${fixed(c ?? Number.NaN)}`)
          .join(', ')}`,
    )
    .join('\n');
  return `${summary}\n\n${table(
    [
      'stage',
      'RSS at start (MiB)',
      'after 1 min',
      'at the end',
      'peak',
      'mean, 1st half after 1 min',
      'mean, 2nd half',
      'peak, 1st half',
      'peak, 2nd half',
      'slope after 1 min (MiB/min)',
    ],
    rows,
  )}`;
}

export function repetitionTable(results: readonly ThroughputResult[]): string {
  const reps = [...new Set(results.map((r) => r.rep))].sort((a, b) => a - b);
  const formats = ROWS.filter((f) => results.some((r) => r.format === f));
  const header = ['rep'];
  const replicas = (f: Format) => results.some((r) => r.format === f && r.kind === 'accept-replicas');
  for (const f of formats) {
    header.push(`${f} alone`);
    if (replicas(f)) header.push(`${f} 2 receivers`);
    header.push(`${f} e2e`);
  }
  const rows = reps.map((rep) => {
    const row = [String(rep + 1)];
    const of = (f: Format, kind: ThroughputResult['kind']) =>
      results.find((r) => r.rep === rep && r.format === f && r.kind === kind);
    for (const f of formats) {
      row.push(rate(of(f, 'accept')?.acceptedPerS ?? Number.NaN));
      if (replicas(f)) row.push(rate(of(f, 'accept-replicas')?.acceptedPerS ?? Number.NaN));
      row.push(rate(of(f, 'end-to-end')?.endToEndPerS ?? Number.NaN));
    }
    return row;
  });
  return table(header, rows);
}

export function profileTables(profiles: readonly ProfileSummary[]): string {
  return profiles
    .map(
      (p) =>
        `**${p.process}** (${p.totalMs.toFixed(0)} ms sampled, ${(p.idleShare * 100).toFixed(0)} % idle)\n\n` +
        table(
          ['self time', 'function', 'where', 'called from'],
          p.top.map((f) => [`${(f.share * 100).toFixed(1)} %`, `\`${f.name}\``, f.where, f.via]),
        ) +
        '\n\nby package: ' +
        p.byPackage.map((g) => `${g.name} ${(g.share * 100).toFixed(0)} %`).join(', '),
    )
    .join('\n\n');
}

export function renderReport(report: BenchReport): string {
  const m = report.machine;
  const parts = [
    `# Benchmark ${report.label === '' ? '' : `"${report.label}" `}(${report.startedAt})`,
    `\`${report.command}\` — ${m.cores} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.kernel}, Node ${m.node}; ` +
      `load average at start ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}` +
      (m.loadAverageAtEnd === undefined
        ? ''
        : `, at end ${m.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}`),
    `Versions: ${Object.entries(report.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '## Throughput (median of repetitions, min–max in brackets)',
    throughputTable(report.throughput),
    '## CPU seconds per million samples, end-to-end runs',
    cpuTable(report.throughput, 'end-to-end'),
    '## CPU seconds per million samples, accepted-rate runs (receiver alone / VictoriaMetrics import)',
    cpuTable(report.throughput, 'accept'),
    '## Cores kept busy (CPU seconds per wall second), end-to-end runs',
    cpuTable(report.throughput, 'end-to-end', 'cores'),
    '## Cores kept busy, accepted-rate runs',
    cpuTable(report.throughput, 'accept', 'cores'),
    '## Bytes, accepted-rate runs (receiver alone / VictoriaMetrics import)',
    bytesTable(report.throughput),
  ];
  if (report.throughput.some((r) => r.kind === 'accept-replicas'))
    parts.push(
      '## Two receivers side by side (replicas, the clients split between them)',
      'CPU seconds per million samples:',
      cpuTable(report.throughput, 'accept-replicas'),
      'Cores kept busy:',
      cpuTable(report.throughput, 'accept-replicas', 'cores'),
    );
  if (report.warmUp.length > 0)
    parts.push(
      '## Warm-up: first samples of 10,000 new series (not in the medians)',
      warmUpTable(report.warmUp),
    );
  if (report.latency.length > 0)
    parts.push(
      '## Latency from 2xx to queryable, at half the maximum end-to-end rate',
      latencyTable(report.latency),
    );
  parts.push('## Peak RSS', memoryTable(report.peakKiB, report.bigBodies));
  if (report.bigBodies.length > 0)
    parts.push('## Receiver alone, big bodies', bigBodyTable(report.bigBodies));
  if (report.soak.length > 0)
    parts.push('## The whole pipeline at the maximum rate (memory over time)', soakTable(report.soak));
  parts.push('## Each repetition (samples/s)', repetitionTable(report.throughput));
  if (report.profiles.length > 0)
    parts.push('## CPU profiles (top self time)', profileTables(report.profiles));
  if (report.notes.length > 0) parts.push('## Notes', report.notes.map((n) => `- ${n}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

export function writeJson(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
