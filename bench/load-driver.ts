/**
 * N concurrent HTTP clients on loopback (undici, keep-alive), sending pre-encoded bodies: each once
 * (a fixed sample count), round and round for a duration, or paced at a request rate. Counts
 * samples of 2xx answers only; every other status is tallied, never retried.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'undici';
import type { EncodedBody } from './encoders.js';
import { percentile } from './stats.js';

export interface LoadTarget {
  /** e.g. http://127.0.0.1:8080 */
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

export type LoadMode =
  /** Every body once. */
  | { readonly kind: 'count' }
  /** Bodies round and round until the time is up. */
  | { readonly kind: 'duration'; readonly ms: number }
  /** Request i leaves at start + i / rate (if a client is free), for `ms`. */
  | { readonly kind: 'rate'; readonly ms: number; readonly requestsPerSecond: number };

export interface LoadOptions {
  /** Several targets (replicas): the clients take turns, client i sending to target i mod n. */
  readonly target: LoadTarget | readonly LoadTarget[];
  /** Bodies by index; `count` of them in count mode, used modulo `count` otherwise. */
  readonly body: (index: number) => EncodedBody;
  readonly count: number;
  readonly concurrency: number;
  readonly mode: LoadMode;
  /** Called for every answer, with performance.now() of its arrival. */
  readonly onAnswer?: (index: number, status: number, atMs: number) => void;
}

export interface LoadResult {
  readonly requests: number;
  readonly okRequests: number;
  readonly okSamples: number;
  readonly bytesSent: number;
  /** Status code (or "error") → requests. */
  readonly statuses: Record<string, number>;
  readonly firstFailure?: string;
  /** performance.now() of the first send and of the last answer. */
  readonly startedAt: number;
  readonly lastAnswerAt: number;
  readonly elapsedS: number;
  /** 2xx samples per second over [first send, last answer]. */
  readonly acceptedSamplesPerS: number;
  readonly requestMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { mode, concurrency } = options;
  const targets: readonly LoadTarget[] = Array.isArray(options.target)
    ? options.target
    : [options.target as LoadTarget];
  const pools = targets.map(
    (target) =>
      new Pool(target.origin, {
        connections: Math.ceil(concurrency / targets.length),
        pipelining: 1,
        keepAliveTimeout: 60_000,
        headersTimeout: 120_000,
        bodyTimeout: 120_000,
      }),
  );
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let firstFailure: string | undefined;
  let next = 0;
  let requests = 0;
  let okRequests = 0;
  let okSamples = 0;
  let bytesSent = 0;
  const startedAt = performance.now();
  let lastAnswerAt = startedAt;
  const endAt = mode.kind === 'count' ? Number.POSITIVE_INFINITY : startedAt + mode.ms;

  const client = async (clientIndex: number) => {
    const target = targets[clientIndex % targets.length]!;
    const pool = pools[clientIndex % targets.length]!;
    for (;;) {
      const index = next++;
      if (mode.kind === 'count' && index >= options.count) return;
      if (mode.kind === 'rate') {
        const due = startedAt + (index * 1000) / mode.requestsPerSecond;
        if (due >= endAt) return;
        const wait = due - performance.now();
        if (wait > 0) await delay(wait);
      } else if (performance.now() >= endAt) return;
      const body = options.body(index % options.count);
      const sentAt = performance.now();
      let status: number | 'error';
      try {
        const response = await pool.request({
          path: target.path,
          method: 'POST',
          headers: { ...target.headers, 'content-length': String(body.bytes.length) },
          body: body.bytes,
        });
        status = response.statusCode;
        if (status >= 200 && status < 300) await response.body.dump();
        else {
          const text = await response.body.text();
          firstFailure ??= `${status}: ${text.slice(0, 300)}`;
        }
      } catch (error) {
        status = 'error';
        firstFailure ??= (error as Error).message;
      }
      const at = performance.now();
      lastAnswerAt = Math.max(lastAnswerAt, at);
      latencies.push(at - sentAt);
      requests++;
      bytesSent += body.bytes.length;
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
      if (typeof status === 'number' && status >= 200 && status < 300) {
        okRequests++;
        okSamples += body.samples;
      }
      options.onAnswer?.(index, typeof status === 'number' ? status : 0, at);
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, (_, i) => client(i)));
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
  const elapsedS = (lastAnswerAt - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests,
    okRequests,
    okSamples,
    bytesSent,
    statuses,
    ...(firstFailure === undefined ? {} : { firstFailure }),
    startedAt,
    lastAnswerAt,
    elapsedS,
    acceptedSamplesPerS: elapsedS > 0 ? okSamples / elapsedS : 0,
    requestMs: {
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies[latencies.length - 1] ?? 0,
    },
  };
}
