/**
 * A steady load of numbered samples for delivery tests: every sample has a unique value (its
 * sequence number) and a unique microsecond timestamp, so "stored exactly once" is checkable.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { betterStackHeaders } from './http.js';
import type { Pipeline } from './pipeline.js';

export interface LoadResult {
  readonly name: string;
  readonly sent: number;
  readonly acknowledged: number[];
  readonly refused: number[];
  /** Status codes other than 202 and 503, which the promise forbids. */
  readonly unexpected: { status: number; body: string }[];
  /** The longest a request waited for its answer: refusals must come in bounded time. */
  readonly maxLatencyMs: number;
}

export interface Load {
  readonly name: string;
  /** Requests answered so far (any status). */
  answered(): number;
  stop(): Promise<LoadResult>;
}

export function startLoad(
  pipeline: Pipeline,
  {
    clients = 4,
    samplesPerRequest = 50,
    pauseMs = 20,
    receivers = 1,
    seriesPerRequest = false,
  }: {
    clients?: number;
    samplesPerRequest?: number;
    pauseMs?: number;
    receivers?: number;
    /** A series of its own for each request, so that `series` shows whether each payload was reported. */
    seriesPerRequest?: boolean;
  } = {},
): Load {
  const name = `load_${randomBytes(4).toString('hex')}`;
  const baseUs = Date.now() * 1000;
  let next = 0;
  let answered = 0;
  let running = true;
  const acknowledged: number[] = [];
  const refused: number[] = [];
  const unexpected: { status: number; body: string }[] = [];
  let maxLatencyMs = 0;

  const client = async (id: number) => {
    while (running) {
      const seqs = Array.from({ length: samplesPerRequest }, () => next++);
      const body = seqs
        .map((seq) =>
          JSON.stringify({
            name,
            gauge: { value: seq },
            tags: seriesPerRequest
              ? { client: String(id), request: String(seqs[0]) }
              : { client: String(id) },
            dt: baseUs + seq,
          }),
        )
        .join('\n');
      const url = pipeline.url('receiver', id % receivers);
      const started = Date.now();
      try {
        const response = await fetch(`${url}/metrics`, {
          method: 'POST',
          body,
          headers: betterStackHeaders('application/x-ndjson'),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        if (response.status === 202) acknowledged.push(...seqs);
        else if (response.status === 503) refused.push(...seqs);
        else unexpected.push({ status: response.status, body: text.slice(0, 300) });
      } catch {
        // The connection itself failed (a receiver restarting): the client was told nothing was accepted.
        refused.push(...seqs);
      }
      answered++;
      maxLatencyMs = Math.max(maxLatencyMs, Date.now() - started);
      await delay(pauseMs);
    }
  };
  const clientsDone = Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  return {
    name,
    answered: () => answered,
    stop: async () => {
      running = false;
      await clientsDone;
      return { name, sent: next, acknowledged, refused, unexpected, maxLatencyMs };
    },
  };
}

/** Waits until every acknowledged sample is stored; then reports what the table holds. */
export async function verifyDelivery(
  pipeline: Pipeline,
  load: LoadResult,
  label: string,
  timeoutMs = 120_000,
) {
  const acknowledged = new Set(load.acknowledged);
  const countSql = `SELECT count() AS n, uniqExact(value) AS u FROM metrics.samples WHERE name = '${load.name}'`;
  let stored = 0;
  const deadline = Date.now() + timeoutMs;
  let missing: number[] = [];
  while (Date.now() < deadline) {
    const [row] = await pipeline.query(countSql);
    stored = Number(row?.n ?? 0);
    if (stored >= acknowledged.size) {
      const values = await pipeline.query(`SELECT value FROM metrics.samples WHERE name = '${load.name}'`);
      const present = new Set(values.map((r) => Number(r.value)));
      missing = [...acknowledged].filter((seq) => !present.has(seq));
      if (missing.length === 0) break;
    }
    await delay(500);
  }
  const [dup] = await pipeline.query(
    `SELECT count() - uniqExact(value) AS duplicates FROM metrics.samples WHERE name = '${load.name}'`,
  );
  const [raw] = await pipeline.query(
    `SELECT count() AS n FROM metrics.sample_rows WHERE name = '${load.name}'`,
  );
  const figures = {
    sent: load.sent,
    acknowledged: acknowledged.size,
    refused: load.refused.length,
    stored,
    duplicates: Number(dup?.duplicates ?? 0),
    rowsBeforeDeduplication: Number(raw?.n ?? 0),
    missing: missing.length,
    unexpected: load.unexpected.length,
    maxLatencyMs: load.maxLatencyMs,
  };
  process.stdout.write(`[delivery] ${label}: ${JSON.stringify(figures)}\n`);
  return { figures, missing };
}

/**
 * Waits until `metrics.series` holds every series of the load with the first and last timestamp
 * its stored samples have, and returns both sides (equal unless it timed out).
 */
export async function verifySeries(pipeline: Pipeline, name: string, timeoutMs = 60_000) {
  const fromSamples = `SELECT toString(series_id) AS id, toString(min(timestamp_us)) AS first, toString(max(timestamp_us)) AS last
    FROM metrics.samples WHERE name = '${name}' GROUP BY series_id ORDER BY series_id`;
  const fromSeries = `SELECT toString(series_id) AS id, toString(minMerge(first_seen_us)) AS first, toString(maxMerge(last_seen_us)) AS last
    FROM metrics.series WHERE name = '${name}' GROUP BY series_id ORDER BY series_id`;
  const expected = await pipeline.query(fromSamples);
  const deadline = Date.now() + timeoutMs;
  let actual = await pipeline.query(fromSeries);
  while (JSON.stringify(actual) !== JSON.stringify(expected) && Date.now() < deadline) {
    await delay(250);
    actual = await pipeline.query(fromSeries);
  }
  return { expected, actual };
}
