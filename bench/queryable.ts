/**
 * "Queryable": what a user's query sees. Our pipeline: rows in the writer's ClickHouse, asked
 * through its loopback POST /query (the embedded engine belongs to the writer's process).
 * VictoriaMetrics: its Prometheus query API and /api/v1/export.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { TABLES } from '@pipeline/clickhouse-store';
import { DATABASE } from './stack.js';

export async function writerQuery(writerUrl: string, sql: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${writerUrl}/query`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: sql,
  });
  const body = (await response.json()) as { rows?: Record<string, unknown>[]; error?: string };
  if (!response.ok) throw new Error(`writer query failed (${response.status}): ${body.error}`);
  return body.rows ?? [];
}

/**
 * Rows stored for an org. Counted on the table (not the FINAL view): the ORDER BY key starts with
 * org, so this stays cheap while rows pour in; a re-delivered row would count twice (reported).
 */
export async function storedRows(writerUrl: string, org: string): Promise<number> {
  const rows = await writerQuery(
    writerUrl,
    `SELECT count() AS n FROM ${DATABASE}.${TABLES.sampleRows} WHERE org = '${org}'`,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Marker values (request sequence numbers) stored for an org. */
export async function storedMarkers(writerUrl: string, org: string, atLeast: number): Promise<number[]> {
  const rows = await writerQuery(
    writerUrl,
    `SELECT toInt64(value) AS s FROM ${DATABASE}.${TABLES.sampleRows} WHERE org = '${org}' AND name = 'bench_marker' AND value >= ${atLeast}`,
  );
  return rows.map((r) => Number(r.s));
}

/** Samples VictoriaMetrics returns for bench_* series in (endS - windowS, endS]. */
export async function victoriaMetricsSamples(vmUrl: string, endS: number, windowS: number): Promise<number> {
  const query = `sum(count_over_time({__name__=~"bench_.*"}[${windowS}s]))`;
  const url = `${vmUrl}/api/v1/query?query=${encodeURIComponent(query)}&time=${endS}&nocache=1`;
  const response = await fetch(url);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { result?: { value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`VictoriaMetrics query failed: ${body.error}`);
  return Number(body.data?.result?.[0]?.value[1] ?? 0);
}

/** Values of bench_marker{run} that VictoriaMetrics returns. */
export async function victoriaMetricsMarkers(vmUrl: string, run: string): Promise<number[]> {
  const match = encodeURIComponent(`bench_marker{run="${run}"}`);
  const response = await fetch(`${vmUrl}/api/v1/export?match[]=${match}&start=0`);
  const text = await response.text();
  if (!response.ok) throw new Error(`VictoriaMetrics export failed (${response.status}): ${text}`);
  const values: number[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    values.push(...((JSON.parse(line) as { values: number[] }).values ?? []));
  }
  return values;
}

export interface Reached {
  /** performance.now() of the poll that saw the target (undefined on timeout). */
  readonly at: number | undefined;
  readonly last: number;
}

/** Polls `read` until it returns at least `target`. */
export async function waitForCount(
  read: () => Promise<number>,
  target: number,
  { timeoutMs, intervalMs = 100 }: { timeoutMs: number; intervalMs?: number },
): Promise<Reached> {
  const deadline = performance.now() + timeoutMs;
  let last = 0;
  while (performance.now() < deadline) {
    const askedAt = performance.now();
    try {
      last = await read();
    } catch {
      // a transient failure of the query endpoint: ask again
    }
    if (last >= target) return { at: askedAt, last };
    await delay(intervalMs);
  }
  return { at: undefined, last };
}
