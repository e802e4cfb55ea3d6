/**
 * The measurements, one function each. Every one snapshots the watched processes before and after
 * (CPU seconds, peak RSS) and returns plain data for the reporters.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { type EncodedBody, type Format, markerRecord, withMarker } from './encoders.js';
import { type LoadResult, type LoadTarget, runLoad } from './load-driver.js';
import type { PipelineFormat } from './options.js';
import { type Snapshot, usageBetween } from './process-sampler.js';
import {
  storedMarkers,
  storedRows,
  victoriaMetricsMarkers,
  victoriaMetricsSamples,
  waitForCount,
} from './queryable.js';
import { pipelineTarget, type Role, type Stack, victoriaMetricsTarget } from './stack.js';
import { ascending, percentile } from './stats.js';

export type System = 'victoria-metrics' | 'pipeline';
/** 'accept-replicas': the receivers' accepted rate with two of them side by side. */
export type PhaseKind = 'accept' | 'accept-replicas' | 'end-to-end';

export interface Usage {
  /** CPU seconds per process during the phase. */
  readonly cpuS: Partial<Record<Role, number>>;
  readonly cpuSPerMillion: Partial<Record<Role, number>>;
  /** Peak RSS (VmHWM) at the end of the phase. */
  readonly peakKiB: Partial<Record<Role, number>>;
}

export interface ThroughputResult extends Usage {
  readonly kind: PhaseKind;
  readonly system: System;
  readonly format: Format;
  readonly rep: number;
  readonly requests: number;
  readonly okSamples: number;
  /** Body bytes sent, every request's (all were 2xx unless `statuses` says otherwise). */
  readonly bytesSent: number;
  readonly statuses: Record<string, number>;
  readonly firstFailure?: string;
  readonly requestMs: LoadResult['requestMs'];
  readonly elapsedS: number;
  /** 2xx samples per second, first send to last answer. */
  readonly acceptedPerS: number;
  /** End to end: samples per second from the first send until all were queryable. */
  readonly endToEndPerS?: number;
  readonly queryableAfterLastAckS?: number;
  /** Rows (samples) the store showed at the end; more than okSamples means re-delivered rows. */
  readonly stored?: number;
  readonly complete?: boolean;
}

export interface LatencyResult extends Usage {
  readonly system: System;
  readonly format: Format;
  readonly targetSamplesPerS: number;
  readonly acceptedPerS: number;
  readonly requests: number;
  readonly acked: number;
  readonly seen: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly statuses: Record<string, number>;
  /** [sequence number, ms from the start at its 2xx, ms until queryable or -1]. */
  readonly requestsDetail: readonly (readonly [number, number, number])[];
}

export interface BigBodyResult extends Usage {
  readonly format: Format;
  readonly bodyBytes: number;
  readonly samplesPerBody: number;
  readonly concurrency: number;
  readonly requests: number;
  readonly okSamples: number;
  readonly acceptedPerS: number;
  readonly statuses: Record<string, number>;
  readonly firstFailure?: string;
  readonly requestMs: LoadResult['requestMs'];
  readonly receiverAlive: boolean;
  /** Receiver's RSS before the phase, and its peak during it (if peaks could be reset). */
  readonly receiverRssBeforeKiB: number;
  readonly receiverPeakKiB: number;
  readonly peakWasReset: boolean;
}

export interface PhaseContext {
  readonly stack: Stack;
  readonly concurrency: number;
  readonly log: (line: string) => void;
}

const PIPELINE_ROLES: readonly Role[] = [
  'receiver',
  'kafka',
  'kafka-jit',
  'normalizer',
  'writer',
  'bench-client',
];
const SOLO_ROLES: readonly Role[] = ['receiver-solo', 'kafka', 'kafka-jit', 'bench-client'];
const REPLICA_ROLES: readonly Role[] = [
  'receiver-solo',
  'receiver-solo-2',
  'kafka',
  'kafka-jit',
  'bench-client',
];
const VM_ROLES: readonly Role[] = ['victoria-metrics', 'bench-client'];

function usage(before: Snapshot, after: Snapshot, roles: readonly Role[], samples: number): Usage {
  const between = usageBetween(before, after);
  const cpuS: Partial<Record<Role, number>> = {};
  const cpuSPerMillion: Partial<Record<Role, number>> = {};
  const peakKiB: Partial<Record<Role, number>> = {};
  for (const role of roles) {
    const u = between[role];
    if (u === undefined) continue;
    cpuS[role] = u.cpuS;
    cpuSPerMillion[role] = samples > 0 ? u.cpuS / (samples / 1e6) : Number.NaN;
    // Thread groups (kafka-jit) have no memory of their own.
    if (u.peakKiB > 0) peakKiB[role] = u.peakKiB;
  }
  const machine = between.machine;
  if (machine !== undefined) cpuS.machine = machine.cpuS;
  return { cpuS, cpuSPerMillion, peakKiB };
}

function loadFields(load: LoadResult) {
  return {
    requests: load.requests,
    okSamples: load.okSamples,
    bytesSent: load.bytesSent,
    statuses: load.statuses,
    ...(load.firstFailure === undefined ? {} : { firstFailure: load.firstFailure }),
    requestMs: load.requestMs,
    elapsedS: load.elapsedS,
    acceptedPerS: load.acceptedSamplesPerS,
  };
}

/** Sends every body once and waits until the store shows all accepted samples. */
async function endToEnd(
  ctx: PhaseContext,
  fields: { system: System; format: Format; rep: number },
  target: LoadTarget,
  bodies: readonly EncodedBody[],
  count: () => Promise<number>,
  roles: readonly Role[],
): Promise<ThroughputResult> {
  const before = ctx.stack.processes.snapshot();
  const load = await runLoad({
    target,
    body: (i) => bodies[i]!,
    count: bodies.length,
    concurrency: ctx.concurrency,
    mode: { kind: 'count' },
  });
  const reached = await waitForCount(count, load.okSamples, {
    timeoutMs: 120_000 + load.okSamples / 5,
    intervalMs: 100,
  });
  const after = ctx.stack.processes.snapshot();
  const doneAt = reached.at ?? performance.now();
  const endToEndS = (doneAt - load.startedAt) / 1000;
  return {
    kind: 'end-to-end',
    ...fields,
    ...loadFields(load),
    endToEndPerS: reached.at === undefined ? Number.NaN : load.okSamples / endToEndS,
    queryableAfterLastAckS: reached.at === undefined ? Number.NaN : (reached.at - load.lastAnswerAt) / 1000,
    stored: reached.last,
    complete: reached.at !== undefined,
    ...usage(before, after, roles, load.okSamples),
  };
}

export function victoriaMetricsEndToEnd(
  ctx: PhaseContext,
  rep: number,
  bodies: readonly EncodedBody[],
  window: { endS: number; windowS: number },
): Promise<ThroughputResult> {
  return endToEnd(
    ctx,
    { system: 'victoria-metrics', format: 'prometheus', rep },
    victoriaMetricsTarget(ctx.stack.vm.url),
    bodies,
    () => victoriaMetricsSamples(ctx.stack.vm.url, window.endS, window.windowS),
    VM_ROLES,
  );
}

/**
 * The org may hold earlier runs' rows (the same series at other times, as VictoriaMetrics' runs
 * are): the run's rows are what it gained, counted before the clock starts.
 */
export async function pipelineEndToEnd(
  ctx: PhaseContext,
  rep: number,
  format: PipelineFormat,
  org: string,
  bodies: readonly EncodedBody[],
): Promise<ThroughputResult> {
  const { receiver, writer } = ctx.stack.services;
  const before = await storedRows(writer.url, org);
  return endToEnd(
    ctx,
    { system: 'pipeline', format, rep },
    pipelineTarget(receiver.url, format, org),
    bodies,
    async () => (await storedRows(writer.url, org)) - before,
    PIPELINE_ROLES,
  );
}

/** Bodies round and round for a while: the rate at which 2xx answers come. */
async function accepted(
  ctx: PhaseContext,
  fields: { system: System; format: Format; rep: number },
  target: LoadTarget | readonly LoadTarget[],
  bodies: readonly EncodedBody[],
  durationS: number,
  roles: readonly Role[],
  kind: 'accept' | 'accept-replicas' = 'accept',
): Promise<ThroughputResult> {
  const before = ctx.stack.processes.snapshot();
  const load = await runLoad({
    target,
    body: (i) => bodies[i]!,
    count: bodies.length,
    concurrency: ctx.concurrency,
    mode: { kind: 'duration', ms: durationS * 1000 },
  });
  const after = ctx.stack.processes.snapshot();
  return { kind, ...fields, ...loadFields(load), ...usage(before, after, roles, load.okSamples) };
}

export function victoriaMetricsAccepted(
  ctx: PhaseContext,
  rep: number,
  bodies: readonly EncodedBody[],
  durationS: number,
): Promise<ThroughputResult> {
  return accepted(
    ctx,
    { system: 'victoria-metrics', format: 'prometheus', rep },
    victoriaMetricsTarget(ctx.stack.vm.url),
    bodies,
    durationS,
    VM_ROLES,
  );
}

/**
 * Receivers whose topics have no consumer: the rate of durable 2xx answers. One receiver alone,
 * or two side by side as replicas behind a balancer share the machine (the compose file's
 * `--scale receiver=2`), the clients taking turns between them. A receiver is one JavaScript
 * thread, so two is how the pipeline uses a second core for accepting, as VictoriaMetrics' one
 * process uses every core.
 */
export function receiverAccepted(
  ctx: PhaseContext,
  rep: number,
  format: PipelineFormat,
  bodies: readonly EncodedBody[],
  durationS: number,
  receivers: 1 | 2 = 1,
): Promise<ThroughputResult> {
  const { services } = ctx.stack;
  const solo =
    receivers === 1 ? [services['receiver-solo']] : [services['receiver-solo'], services['receiver-solo-2']];
  return accepted(
    ctx,
    { system: 'pipeline', format, rep },
    solo.map((s) => pipelineTarget(s.url, format, 'solo')),
    bodies,
    durationS,
    receivers === 1 ? SOLO_ROLES : REPLICA_ROLES,
    receivers === 1 ? 'accept' : 'accept-replicas',
  );
}

/**
 * Requests paced at a fraction of the maximum rate, each with a marker sample (its sequence
 * number); the store is polled every 100 ms for markers, and each request's latency is the time
 * from its 2xx to the first poll that saw its marker (so it is at most ~100 ms + a query too high).
 */
export async function latencyProbe(
  ctx: PhaseContext,
  system: System,
  format: Exclude<Format, 'bs-msgpack'>,
  pool: readonly EncodedBody[],
  targetSamplesPerS: number,
  durationS: number,
  run: { org: string; markerBaseMs: number },
): Promise<LatencyResult> {
  const perRequest = (pool[0]?.samples ?? 0) + 1;
  const requestsPerSecond = targetSamplesPerS / perRequest;
  const ackedAt = new Map<number, number>();
  const seenAt = new Map<number, number>();
  const target =
    system === 'victoria-metrics'
      ? victoriaMetricsTarget(ctx.stack.vm.url)
      : pipelineTarget(ctx.stack.services.receiver.url, format as PipelineFormat, run.org);
  const readMarkers = async (): Promise<number[]> => {
    if (system === 'victoria-metrics') return victoriaMetricsMarkers(ctx.stack.vm.url, run.org);
    // Only markers not seen yet: from the lowest unseen acknowledged one (or after the highest one).
    let lowest = Number.POSITIVE_INFINITY;
    let highest = -2;
    for (const seq of ackedAt.keys()) {
      if (!seenAt.has(seq) && seq < lowest) lowest = seq;
      if (seq > highest) highest = seq;
    }
    return storedMarkers(
      ctx.stack.services.writer.url,
      run.org,
      Number.isFinite(lowest) ? lowest : highest + 1,
    );
  };
  // Warm-up: the marker series exists and is visible before the clock starts (VictoriaMetrics makes
  // a new series searchable only after its index flush, seconds later; steady state is known series).
  const warmUp = withMarker(format, pool[0]!.bytes, markerRecord(run.org, -1), run.markerBaseMs - 1000);
  const warmUpResponse = await fetch(`${target.origin}${target.path}`, {
    method: 'POST',
    headers: target.headers,
    body: warmUp,
  });
  await warmUpResponse.arrayBuffer();
  const warm = await waitForCount(async () => (await readMarkers()).filter((v) => v === -1).length, 1, {
    timeoutMs: 60_000,
  });
  if (warm.at === undefined) ctx.log('latency warm-up marker never became visible');

  let loading = true;
  const poller = (async () => {
    let drainDeadline = Number.POSITIVE_INFINITY;
    for (;;) {
      const askedAt = performance.now();
      try {
        for (const seq of await readMarkers()) if (seq >= 0 && !seenAt.has(seq)) seenAt.set(seq, askedAt);
      } catch (error) {
        ctx.log(`latency poll failed: ${(error as Error).message}`);
      }
      if (!loading) {
        if (drainDeadline === Number.POSITIVE_INFINITY) drainDeadline = performance.now() + 60_000;
        if ([...ackedAt.keys()].every((seq) => seenAt.has(seq)) || performance.now() > drainDeadline) return;
      }
      await delay(Math.max(0, 100 - (performance.now() - askedAt)));
    }
  })();
  const before = ctx.stack.processes.snapshot();
  const load = await runLoad({
    target,
    body: (i) => {
      const base = pool[i % pool.length]!;
      const bytes = withMarker(format, base.bytes, markerRecord(run.org, i), run.markerBaseMs + i);
      return { bytes, samples: perRequest };
    },
    count: Number.MAX_SAFE_INTEGER,
    concurrency: Math.max(ctx.concurrency, 32),
    mode: { kind: 'rate', ms: durationS * 1000, requestsPerSecond },
    onAnswer: (i, status, at) => {
      if (status >= 200 && status < 300) ackedAt.set(i, at);
    },
  });
  loading = false;
  await poller;
  const after = ctx.stack.processes.snapshot();
  const detail = [...ackedAt]
    .sort((a, b) => a[0] - b[0])
    .map(([seq, at]) => {
      const seen = seenAt.get(seq);
      return [
        seq,
        Math.round(at - load.startedAt),
        seen === undefined ? -1 : Math.round(Math.max(0, seen - at)),
      ] as const;
    });
  const latencies = ascending(detail.filter(([, , ms]) => ms >= 0).map(([, , ms]) => ms));
  return {
    system,
    format,
    targetSamplesPerS,
    acceptedPerS: load.acceptedSamplesPerS,
    requests: load.requests,
    acked: ackedAt.size,
    seen: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    statuses: load.statuses,
    requestsDetail: detail,
    ...usage(before, after, system === 'victoria-metrics' ? VM_ROLES : PIPELINE_ROLES, load.okSamples),
  };
}

/** `concurrency` clients each sending the same big body `rounds` times to the receiver alone. */
export async function bigBodies(
  ctx: PhaseContext,
  format: PipelineFormat,
  body: EncodedBody,
  concurrency: number,
  rounds: number,
): Promise<BigBodyResult> {
  const { processes, services } = ctx.stack;
  const rssBefore = processes.snapshot()['receiver-solo']?.rssKiB ?? 0;
  const peakWasReset = processes.resetPeaks(['receiver-solo']);
  const before = processes.snapshot();
  const load = await runLoad({
    target: pipelineTarget(services['receiver-solo'].url, format, 'solo'),
    body: () => body,
    count: concurrency * rounds,
    concurrency,
    mode: { kind: 'count' },
  });
  const after = processes.snapshot();
  const u = usage(before, after, SOLO_ROLES, load.okSamples);
  return {
    format,
    bodyBytes: body.bytes.length,
    samplesPerBody: body.samples,
    concurrency,
    requests: load.requests,
    okSamples: load.okSamples,
    acceptedPerS: load.acceptedSamplesPerS,
    statuses: load.statuses,
    ...(load.firstFailure === undefined ? {} : { firstFailure: load.firstFailure }),
    requestMs: load.requestMs,
    receiverAlive: services['receiver-solo'].process.alive,
    receiverRssBeforeKiB: rssBefore,
    receiverPeakKiB: u.peakKiB['receiver-solo'] ?? Number.NaN,
    peakWasReset,
    ...u,
  };
}

export interface SoakResult {
  readonly format: PipelineFormat;
  readonly durationS: number;
  readonly requests: number;
  readonly statuses: Record<string, number>;
  readonly acceptedPerS: number;
  /** Rows the writer inserted per second over the run (its writer_rows_inserted_total). */
  readonly insertedPerS: number;
  /** [seconds since the start, RSS KiB per process] every sampling interval. */
  readonly timeline: readonly (readonly [number, Partial<Record<Role, number>>])[];
  /** Cores each process kept busy (CPU seconds per wall second). */
  readonly cores: Partial<Record<Role, number>>;
}

/** The writer's counter of inserted rows, from its Prometheus /metrics. */
async function rowsInserted(writerUrl: string): Promise<number> {
  const text = await (await fetch(`${writerUrl}/metrics`)).text();
  const match = /^writer_rows_inserted_total(?:\{[^}]*\})? (\S+)$/m.exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

/**
 * The whole pipeline at the maximum rate for `durationS`: bodies round and round to the receiver
 * (the backlog it accepts beyond what the normalizer and writer drain waits in Kafka), with the
 * RSS of every stage read every `everyS` seconds, to see whether any of them grows without bound.
 */
export async function soak(
  ctx: PhaseContext,
  format: PipelineFormat,
  org: string,
  bodies: readonly EncodedBody[],
  durationS: number,
  everyS: number,
): Promise<SoakResult> {
  const { stack } = ctx;
  const timeline: [number, Partial<Record<Role, number>>][] = [];
  const insertedBefore = await rowsInserted(stack.services.writer.url);
  const started = performance.now();
  const read = () => {
    const snapshot = stack.processes.snapshot();
    const rss: Partial<Record<Role, number>> = {};
    for (const role of ['receiver', 'kafka', 'normalizer', 'writer'] as const)
      if (snapshot[role] !== undefined) rss[role] = snapshot[role].rssKiB;
    timeline.push([(performance.now() - started) / 1000, rss]);
  };
  read();
  const before = stack.processes.snapshot();
  const sampler = setInterval(read, everyS * 1000);
  let load: LoadResult;
  try {
    load = await runLoad({
      target: pipelineTarget(stack.services.receiver.url, format, org),
      body: (i) => bodies[i]!,
      count: bodies.length,
      concurrency: ctx.concurrency,
      mode: { kind: 'duration', ms: durationS * 1000 },
    });
  } finally {
    clearInterval(sampler);
  }
  read();
  const elapsedS = (performance.now() - started) / 1000;
  const used = usage(before, stack.processes.snapshot(), [...PIPELINE_ROLES, 'machine'], load.okSamples);
  const cores: Partial<Record<Role, number>> = {};
  for (const [role, cpu] of Object.entries(used.cpuS)) cores[role as Role] = cpu / elapsedS;
  const insertedAfter = await rowsInserted(stack.services.writer.url);
  return {
    cores,
    format,
    durationS,
    requests: load.requests,
    statuses: load.statuses,
    acceptedPerS: load.acceptedSamplesPerS,
    insertedPerS: (insertedAfter - insertedBefore) / ((performance.now() - started) / 1000),
    timeline,
  };
}
