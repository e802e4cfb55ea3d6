/**
 * CONTRACT.md §3: after a 2xx nothing is lost — not by a crash of any service, not by a broker
 * restart, not by ClickHouse being down for a minute — and the stored view shows each sample once.
 * Each test drives a steady load of numbered samples, injects a fault, then checks every
 * acknowledged sample is stored exactly once and that refusals were 503s, never a lost 2xx.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startClickHouseServer, startKafkaBroker } from '@pipeline/dev-stack';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type Load, type LoadResult, startLoad, verifyDelivery, verifySeries } from '../support/load.js';
import { type Pipeline, type PipelineOptions, startPipeline } from '../support/pipeline.js';

const LOAD_ENV = { RATE_LIMIT_PER_MINUTE: '0', KAFKA_ACK_TIMEOUT_MS: '5000', WRITER_BATCH_MAX_AGE_MS: '300' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function pipelineFor(options: Partial<PipelineOptions> = {}): Promise<Pipeline> {
  const pipeline = await startPipeline({
    store: 'server',
    kafkaBrokers: inject('kafkaBrokers'),
    clickhouseUrl: inject('clickhouseUrl'),
    ...options,
    env: { ...LOAD_ENV, ...options.env },
  });
  cleanups.push(() => pipeline.stop());
  return pipeline;
}

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

/** Successful inserts of the writer's current process, from its /metrics. */
async function insertsOf(pipeline: Pipeline): Promise<number> {
  const text = await (await fetch(`${pipeline.url('writer')}/metrics`)).text();
  const match = /^writer_inserts_total\{[^}]*outcome="ok"[^}]*\} (\d+)$/m.exec(text);
  return match === null ? 0 : Number(match[1]);
}

/** Lets the load run for `requests` more answers. */
const moreAnswers = (load: Load, requests: number) => {
  const target = load.answered() + requests;
  return until(() => load.answered() >= target, `${requests} more answers`);
};

function expectDelivered(result: LoadResult, verified: Awaited<ReturnType<typeof verifyDelivery>>) {
  expect(result.unexpected).toEqual([]);
  expect(verified.figures.acknowledged).toBeGreaterThan(0);
  expect(verified.missing).toEqual([]);
  expect(verified.figures.duplicates).toBe(0);
}

describe('delivery under faults (real Kafka, real ClickHouse server)', () => {
  it('loses nothing when the writer is killed -9 mid-batch and restarted', async () => {
    const pipeline = await pipelineFor();
    const load = startLoad(pipeline);
    await moreAnswers(load, 20);
    await pipeline.kill('writer');
    await moreAnswers(load, 40);
    await pipeline.restart('writer');
    await moreAnswers(load, 20);
    const result = await load.stop();
    const verified = await verifyDelivery(pipeline, result, 'writer kill -9');
    expectDelivered(result, verified);
    expect(result.refused).toEqual([]);
  });

  it('loses nothing when the normalizer is killed -9 and restarted, not even a series', async () => {
    const pipeline = await pipelineFor();
    const load = startLoad(pipeline, { seriesPerRequest: true });
    await moreAnswers(load, 20);
    await pipeline.kill('normalizer');
    await moreAnswers(load, 40);
    await pipeline.restart('normalizer');
    await moreAnswers(load, 20);
    const result = await load.stop();
    const verified = await verifyDelivery(pipeline, result, 'normalizer kill -9');
    expectDelivered(result, verified);
    expect(result.refused).toEqual([]);
    // Payloads normalized after the last series report were committed with none: replayed and reported.
    const series = await verifySeries(pipeline, result.name);
    expect(series.expected.length).toBeGreaterThan(50);
    expect(series.actual).toEqual(series.expected);
  });

  it(
    'answers 503 in bounded time while the Kafka broker is stopped for 20 s, and loses nothing acknowledged',
    { timeout: 300_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'delivery-kafka-'));
      let broker = await startKafkaBroker({ dir });
      cleanups.push(async () => {
        await broker.stop();
        rmSync(dir, { recursive: true, force: true });
      });
      const pipeline = await pipelineFor({ kafkaBrokers: broker.brokers });
      const load = startLoad(pipeline);
      await moreAnswers(load, 20);
      await broker.stop();
      const answeredWhenStopped = load.answered();
      await delay(20_000); // the fault itself: the broker stays down this long
      broker = await startKafkaBroker({ dir, port: broker.port, controllerPort: broker.controllerPort });
      await moreAnswers(load, 40);
      const result = await load.stop();
      const verified = await verifyDelivery(pipeline, result, 'Kafka stopped 20 s');
      expectDelivered(result, verified);
      expect(load.answered()).toBeGreaterThan(answeredWhenStopped);
      expect(result.refused.length).toBeGreaterThan(0);
      // KAFKA_ACK_TIMEOUT_MS is 5 s: no request may hang much longer than that.
      expect(result.maxLatencyMs).toBeLessThan(15_000);
    },
  );

  it(
    'keeps accepting while the ClickHouse server is stopped for 60 s, then stores everything',
    { timeout: 300_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'delivery-clickhouse-'));
      let server = await startClickHouseServer({ dir });
      cleanups.push(async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      });
      const pipeline = await pipelineFor({ clickhouseUrl: server.url });
      const load = startLoad(pipeline);
      await moreAnswers(load, 20);
      await server.stop();
      await delay(60_000); // the fault itself: the server stays down this long
      server = await startClickHouseServer({ dir, httpPort: server.httpPort, tcpPort: server.tcpPort });
      await moreAnswers(load, 20);
      const result = await load.stop();
      const verified = await verifyDelivery(pipeline, result, 'ClickHouse stopped 60 s');
      expectDelivered(result, verified);
      expect(result.refused).toEqual([]);
    },
  );

  it('drains a backlog in many small inserts, reading on while each runs, and loses nothing when killed amid them', async () => {
    // A few KiB of rows per insert: the backlog left by a stopped writer becomes dozens of inserts,
    // each started by a full buffer while the writer goes on reading up to half a buffer more.
    const pipeline = await pipelineFor({ env: { WRITER_BATCH_MAX_BYTES: '8192' } });
    const load = startLoad(pipeline);
    await moreAnswers(load, 10);
    await pipeline.kill('writer');
    await moreAnswers(load, 80);
    await pipeline.restart('writer');
    // ~60 inserts' worth waits: killed after ten, the writer holds rows read but not inserted.
    await until(async () => (await insertsOf(pipeline)) >= 10, 'the restarted writer to insert ten times');
    await pipeline.kill('writer');
    await pipeline.restart('writer');
    await moreAnswers(load, 10);
    const result = await load.stop();
    const verified = await verifyDelivery(pipeline, result, 'writer killed amid a backlog of small inserts');
    expectDelivered(result, verified);
    expect(result.refused).toEqual([]);
  });

  it('shares the work between two writers and two normalizers and loses nothing when one of each is killed', async () => {
    const pipeline = await pipelineFor({ writers: 2, normalizers: 2 });
    const load = startLoad(pipeline, { seriesPerRequest: true });
    await moreAnswers(load, 30);
    await pipeline.kill('writer', 1);
    await pipeline.kill('normalizer', 1);
    await moreAnswers(load, 60);
    const result = await load.stop();
    const verified = await verifyDelivery(pipeline, result, 'two of each, one of each killed');
    expectDelivered(result, verified);
    expect(result.refused).toEqual([]);
    const series = await verifySeries(pipeline, result.name);
    expect(series.actual).toEqual(series.expected);
  });
});
