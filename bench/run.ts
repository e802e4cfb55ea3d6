/**
 * `npm run bench`: VictoriaMetrics and our pipeline side by side, same samples, same machine,
 * same run. Per repetition (dialect order rotated each time):
 *
 * 1. VictoriaMetrics end to end: the repetition's samples as Prometheus text to
 *    /api/v1/import/prometheus, then polled until a query counts all of them;
 * 2. the pipeline end to end, once per dialect (each its own org, the same in every repetition): the
 *    same samples to the receiver, then polled until metrics.samples holds all of them;
 * 3. accepted rate alone: VictoriaMetrics' import, and a receiver whose topics nobody consumes, each
 *    sent the same bodies round and round for --duration seconds; then two such receivers side by
 *    side, the clients split between them (replicas: how the pipeline accepts on more than one core).
 *
 * Then the latency at half the maximum end-to-end rate (marker samples), and the receiver under
 * concurrent 20 MiB bodies. Tables go to stdout, everything to bench/results/*.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { repoRoot } from '@pipeline/dev-stack';
import { Dataset, SAMPLES_PER_REQUEST, SERIES_PER_ROUND, STEP_MS } from './dataset.js';
import { bigBody, type EncodedBody, encodeRequest, type Format } from './encoders.js';
import { type BenchOptions, type PipelineFormat, parseOptions } from './options.js';
import {
  type BigBodyResult,
  bigBodies,
  type LatencyResult,
  latencyProbe,
  type PhaseContext,
  pipelineEndToEnd,
  receiverAccepted,
  type SoakResult,
  soak,
  type ThroughputResult,
  victoriaMetricsAccepted,
  victoriaMetricsEndToEnd,
} from './phases.js';
import { type ProfileSummary, summarizeProfile } from './profile-summary.js';
import { writerQuery } from './queryable.js';
import { type BenchReport, type Machine, renderReport, writeJson } from './report.js';
import { type Stack, startStack } from './stack.js';
import { median } from './stats.js';

const HOUR_MS = 3_600_000;
const MAX_BIG_BODY = 20 * 1024 * 1024 - 64 * 1024;
const WARM_UP_ROUNDS = 2;

const log = (line: string) =>
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const rate = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? '–' : `${(v / 1000).toFixed(1)}k/s`;

function machine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `Linux ${os.release()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg(),
  };
}

/** The commit measured, with "+changes" when the working tree differs from it. */
function gitRevision(root: string): string {
  try {
    const head = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    }).trim();
    return dirty === '' ? head : `${head}+changes`;
  } catch {
    return 'unknown';
  }
}

const shortName: Record<PipelineFormat, string> = { 'bs-json': 'bsj', 'bs-msgpack': 'bsm', 'oo-json': 'ooj' };
/**
 * Each dialect's org, the same in the warm-up and every repetition: VictoriaMetrics meets the same
 * 10 000 series in every repetition, so ours do too: a run counts the rows its org gained.
 */
const orgOf = (format: PipelineFormat) => `bench-${shortName[format]}`;
const rotate = <T>(list: readonly T[], by: number): T[] => list.map((_, i) => list[(i + by) % list.length]!);

function checkOptions(options: BenchOptions): void {
  // Every repetition has its own time range inside one UTC day (yesterday), before the latency markers.
  if (options.reps * options.rounds * STEP_MS > 18 * HOUR_MS)
    throw new Error('--reps × --rounds must stay under 6480 (18 hours of 10 s rounds)');
}

const PHASE_LABEL: Record<ThroughputResult['kind'], string> = {
  accept: 'accepted alone',
  'accept-replicas': '2 receivers   ',
  'end-to-end': 'end to end    ',
};

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  checkOptions(options);
  const root = repoRoot();
  const startedAt = new Date().toISOString();
  const stamp = startedAt.replace(/[:.]/g, '-');
  const resultsDir = join(root, 'bench', 'results');
  const profileDir = join(resultsDir, `profiles-${stamp}`);
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-'));
  const m = machine();
  log(
    `${m.cores} × ${m.cpuModel}, ${m.memoryGiB} GiB; load average ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  log(`working directory ${dir}`);

  // Yesterday 01:00 UTC: old enough that no query adjusts for "recent" data, inside one day partition.
  const today = Math.floor(Date.now() / (24 * HOUR_MS)) * 24 * HOUR_MS;
  const dataset = new Dataset(options.seed, today - 23 * HOUR_MS);
  const latencyBaseMs = today - 3 * HOUR_MS;

  const orgs = ['solo', 'lat-bsj', 'lat-ooj', 'soak'];
  for (const f of options.formats) orgs.push(orgOf(f));
  const flagsOf = {
    receiver: options.receiverNode,
    'receiver-solo': options.receiverNode,
    'receiver-solo-2': options.receiverNode,
    normalizer: options.normalizerNode,
    writer: options.writerNode,
  } as const;
  const nodeArgs = Object.fromEntries(
    Object.entries(flagsOf).map(([role, flags]) => [
      role,
      // One file per thread (tsx's loader runs in a worker): each process gets its own folder. The
      // second receiver-only process does what the first does: one profile of them is enough.
      options.profile && role !== 'receiver-solo-2'
        ? [...flags, '--cpu-prof', `--cpu-prof-dir=${join(profileDir, role)}`]
        : flags,
    ]),
  );

  let stack: Stack | undefined;
  let stopping = false;
  const cleanUp = async () => {
    await stack?.stop();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  };
  process.once('SIGINT', () => {
    stopping = true;
    log('interrupted: stopping everything');
    void cleanUp().finally(() => process.exit(130));
  });

  try {
    stack = await startStack({
      dir,
      orgs,
      nodeArgs,
      env: options.env,
      serviceEnv: {
        receiver: options.receiverEnv,
        'receiver-solo': options.receiverEnv,
        'receiver-solo-2': options.receiverEnv,
        normalizer: options.normalizerEnv,
        writer: options.writerEnv,
      },
      log,
    });
    const ctx: PhaseContext = { stack, concurrency: options.concurrency, log };
    const settle = () => delay(options.settleS * 1000);
    const throughput: ThroughputResult[] = [];
    const record = (r: ThroughputResult) => {
      throughput.push(r);
      const failures = Object.entries(r.statuses).filter(([s]) => !s.startsWith('2'));
      log(
        `  ${PHASE_LABEL[r.kind]} ${r.format.padEnd(10)} ` +
          `accepted ${rate(r.acceptedPerS)}` +
          (r.kind === 'end-to-end'
            ? `, e2e ${rate(r.endToEndPerS)}, queryable ${r.queryableAfterLastAckS?.toFixed(2)} s after the last 2xx` +
              (r.complete ? '' : ` — INCOMPLETE: ${r.stored} of ${r.okSamples}`)
            : '') +
          (failures.length > 0
            ? ` — non-2xx: ${JSON.stringify(Object.fromEntries(failures))} ${r.firstFailure ?? ''}`
            : ''),
      );
    };

    // Warm-up, not in the medians: VictoriaMetrics meets the 10,000 series for the first time (it makes
    // new series searchable seconds later), the services' JIT warms up, chDB creates its first parts.
    const warmUp: ThroughputResult[] = [];
    if (options.warmUp) {
      const from = options.reps * options.rounds;
      const to = from + WARM_UP_ROUNDS;
      const requests = [...dataset.requests(from, to)];
      log(`warm-up: ${requests.length * SAMPLES_PER_REQUEST} samples of new series to each system`);
      const window = {
        endS: (dataset.timestampOf(to - 1) + 1000) / 1000,
        windowS: (WARM_UP_ROUNDS * STEP_MS) / 1000,
      };
      const vmBodies = requests.map((r) => encodeRequest('prometheus', r));
      warmUp.push(await victoriaMetricsEndToEnd(ctx, -1, vmBodies, window));
      // Each system is warmed the same way, its accepted-rate path included.
      await victoriaMetricsAccepted(ctx, -1, vmBodies, options.warmUpS);
      for (const f of options.formats) {
        const bodies = requests.map((r) => encodeRequest(f, r));
        warmUp.push(await pipelineEndToEnd(ctx, -1, f, orgOf(f), bodies));
        // Not recorded: a broker started for the run spends its first ~20 s of load compiling
        // (Kafka's JIT, 0.1–0.3 CPU s per million samples in the first measured runs otherwise).
        await receiverAccepted(ctx, -1, f, bodies, options.warmUpS);
        await receiverAccepted(ctx, -1, f, bodies, options.warmUpS, 2);
      }
      for (const r of warmUp)
        log(
          `  ${r.format.padEnd(10)} queryable ${r.queryableAfterLastAckS?.toFixed(2)} s after the last 2xx`,
        );
      await settle();
    }

    for (let rep = 0; rep < options.reps && !stopping; rep++) {
      const from = rep * options.rounds;
      const to = from + options.rounds;
      const encodeStarted = performance.now();
      const bodies = new Map<Format, EncodedBody[]>();
      const formats: Format[] = ['prometheus', ...options.formats];
      for (const f of formats) bodies.set(f, []);
      for (const request of dataset.requests(from, to))
        for (const f of formats) bodies.get(f)!.push(encodeRequest(f, request));
      const sizes = formats
        .map(
          (f) => `${f} ${(bodies.get(f)!.reduce((s, b) => s + b.bytes.length, 0) / 2 ** 20).toFixed(1)} MiB`,
        )
        .join(', ');
      log(
        `repetition ${rep + 1}/${options.reps}: ${options.rounds * SERIES_PER_ROUND} samples, ` +
          `${bodies.get('prometheus')!.length} requests (${sizes}; encoded in ${((performance.now() - encodeStarted) / 1000).toFixed(1)} s)`,
      );
      const window = {
        endS: (dataset.timestampOf(to - 1) + 1000) / 1000,
        windowS: (options.rounds * STEP_MS) / 1000,
      };
      record(await victoriaMetricsEndToEnd(ctx, rep, bodies.get('prometheus')!, window));
      await settle();
      for (const f of rotate(options.formats, rep)) {
        record(await pipelineEndToEnd(ctx, rep, f, orgOf(f), bodies.get(f)!));
        await settle();
      }
      record(await victoriaMetricsAccepted(ctx, rep, bodies.get('prometheus')!, options.durationS));
      await settle();
      for (const f of rotate(options.formats, rep)) {
        record(await receiverAccepted(ctx, rep, f, bodies.get(f)!, options.durationS));
        await settle();
        record(await receiverAccepted(ctx, rep, f, bodies.get(f)!, options.durationS, 2));
        await settle();
      }
    }
    const processes = stack.processes;
    const peakKiB = Object.fromEntries(
      Object.entries(processes.snapshot())
        // Processes only: not the machine, nor a process's threads (kafka-jit).
        .filter(([role]) => processes.pid(role) !== undefined)
        .map(([role, r]) => [role, r.peakKiB]),
    );

    const latency: LatencyResult[] = [];
    if (options.latencyS > 0 && !stopping) {
      const rounds = Math.min(options.rounds, 10);
      const pool = (f: Format) => [...dataset.requests(0, rounds)].map((r) => encodeRequest(f, r));
      const half = (kind: Format) =>
        0.5 *
        median(
          throughput
            .filter((r) => r.kind === 'end-to-end' && r.format === kind)
            .map((r) => r.endToEndPerS ?? Number.NaN),
        );
      const probes: {
        system: 'victoria-metrics' | 'pipeline';
        format: 'prometheus' | 'bs-json' | 'oo-json';
        org: string;
      }[] = [{ system: 'victoria-metrics', format: 'prometheus', org: 'latvm' }];
      if (options.formats.includes('bs-json'))
        probes.push({ system: 'pipeline', format: 'bs-json', org: 'lat-bsj' });
      if (options.formats.includes('oo-json'))
        probes.push({ system: 'pipeline', format: 'oo-json', org: 'lat-ooj' });
      for (const probe of probes) {
        const target = half(probe.format);
        if (!Number.isFinite(target)) continue;
        log(`latency probe ${probe.format}: ${rate(target)} for ${options.latencyS} s`);
        const result = await latencyProbe(
          ctx,
          probe.system,
          probe.format,
          pool(probe.format),
          target,
          options.latencyS,
          {
            org: probe.org,
            markerBaseMs: latencyBaseMs,
          },
        );
        latency.push(result);
        log(
          `  accepted ${rate(result.acceptedPerS)}; 2xx → queryable p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms, max ${result.maxMs.toFixed(0)} ms (${result.acked - result.seen} unseen)`,
        );
        await settle();
      }
    }

    const big: BigBodyResult[] = [];
    if (options.bigRounds > 0 && !stopping) {
      for (const f of options.formats.filter((x) => x !== 'oo-json')) {
        const body = bigBody(f, dataset.requests(0, 1_000_000), MAX_BIG_BODY);
        log(
          `big bodies ${f}: ${options.bigConcurrency} concurrent × ${(body.bytes.length / 2 ** 20).toFixed(1)} MiB (${body.records} records, ${body.samples} samples) × ${options.bigRounds}`,
        );
        if (!stack.services['receiver-solo'].process.alive) {
          log('  skipped: the receiver is not running');
          continue;
        }
        const result = await bigBodies(ctx, f, body, options.bigConcurrency, options.bigRounds);
        big.push(result);
        log(
          `  ${JSON.stringify(result.statuses)}; accepted ${rate(result.acceptedPerS)}; receiver RSS ${(result.receiverRssBeforeKiB / 1024).toFixed(0)} → peak ${(result.receiverPeakKiB / 1024).toFixed(0)} MiB${result.receiverAlive ? '' : '; THE RECEIVER DIED'}${result.firstFailure === undefined ? '' : `; first refusal: ${result.firstFailure}`}`,
        );
        await settle();
      }
    }

    const soaks: SoakResult[] = [];
    if (options.soakS > 0 && !stopping) {
      const format = options.formats[0]!;
      // Fifty rounds, sent round and round: each series gets the same 50 timestamps again and
      // again, which the storage deduplicates as it would re-delivered rows.
      const bodies = [...dataset.requests(0, 50)].map((r) => encodeRequest(format, r));
      log(`soak ${format}: the whole pipeline at the maximum rate for ${options.soakS} s`);
      const result = await soak(ctx, format, 'soak', bodies, options.soakS, 10);
      soaks.push(result);
      log(
        `  accepted ${rate(result.acceptedPerS)}, inserted ${rate(result.insertedPerS)} rows/s; ${JSON.stringify(result.statuses)}`,
      );
    }

    const versions: Record<string, string> = {
      pipeline: gitRevision(root),
      'victoria-metrics': stack.vm.version,
      kafka: stack.kafka.version,
      node: process.version,
    };
    try {
      const rows = await writerQuery(stack.services.writer.url, 'SELECT version() AS v');
      versions.clickhouse = `chDB ${String(rows[0]?.v)}`;
    } catch {
      versions.clickhouse = 'unknown';
    }

    const profiles: ProfileSummary[] = [];
    if (options.profile) {
      log('stopping the services so they write their CPU profiles');
      await stack.stopServices();
      for (const role of ['receiver', 'receiver-solo', 'normalizer', 'writer']) {
        const folder = join(profileDir, role);
        const files = existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.cpuprofile')) : [];
        // The main thread is the busiest one.
        const summaries = files.map((f) => summarizeProfile(role, join(folder, f)));
        const main = summaries.sort(
          (a, b) => b.totalMs * (1 - b.idleShare) - a.totalMs * (1 - a.idleShare),
        )[0];
        if (main !== undefined) profiles.push(main);
        else log(`no profile from ${role}`);
      }
    }

    const notes: string[] = [];
    for (const r of throughput) {
      if (r.kind === 'end-to-end' && !r.complete)
        notes.push(
          `rep ${r.rep + 1} ${r.format}: only ${r.stored} of ${r.okSamples} samples became queryable`,
        );
      if (r.kind === 'end-to-end' && r.system === 'pipeline' && (r.stored ?? 0) > r.okSamples)
        notes.push(
          `rep ${r.rep + 1} ${r.format}: ${r.stored! - r.okSamples} rows stored twice (re-delivery)`,
        );
      const failures = Object.entries(r.statuses).filter(([s]) => !s.startsWith('2'));
      if (failures.length > 0)
        notes.push(
          `rep ${r.rep + 1} ${r.kind} ${r.format}: non-2xx ${JSON.stringify(Object.fromEntries(failures))}`,
        );
    }

    const report: BenchReport = {
      label: options.label,
      startedAt,
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      machine: { ...m, loadAverageAtEnd: os.loadavg() },
      versions,
      settings: {
        ...options,
        seriesPerRound: SERIES_PER_ROUND,
        samplesPerRequest: SAMPLES_PER_REQUEST,
        samplesPerRepetition: options.rounds * SERIES_PER_ROUND,
      },
      warmUp,
      throughput,
      latency,
      bigBodies: big,
      soak: soaks,
      peakKiB,
      profiles,
      notes,
    };
    const out = options.out ?? join(resultsDir, `bench-${stamp}.json`);
    mkdirSync(resultsDir, { recursive: true });
    writeJson(out, report);
    process.stdout.write(`\n${renderReport(report)}\n`);
    log(`results in ${out}${options.profile ? `, profiles in ${profileDir}` : ''}`);
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
