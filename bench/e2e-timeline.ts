/**
 * `node --import tsx bench/e2e-timeline.ts [--rounds=100] [--format=bs-json] [--writer-env=K=V …]`:
 * where an end-to-end run's samples are, every ~100 ms: answered 2xx by the receiver, normalized,
 * inserted by the writer (its counters) and queryable (a count on the table), with the writer's
 * inserts and the rows it holds. It shows which stage a run waits for at its end (the bench's
 * end-to-end figure is one number). Starts its own stack like the bench, sends 40 000 samples to
 * warm it, then `rounds` × 10 000 samples at 8 clients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { envOf, flag, flags } from './cli-flags.js';
import { Dataset } from './dataset.js';
import { type EncodedBody, encodeRequest } from './encoders.js';
import { runLoad } from './load-driver.js';
import type { PipelineFormat } from './options.js';
import { storedRows } from './queryable.js';
import { pipelineTarget, startStack } from './stack.js';

const rounds = Number(flag('rounds') ?? 100);
const format = (flag('format') ?? 'bs-json') as PipelineFormat;
const writerEnv = envOf(flags('writer-env'));

const dir = mkdtempSync(join(os.tmpdir(), 'e2e-timeline-'));
const stack = await startStack({
  dir,
  orgs: ['warm', 'run'],
  log: () => {},
  serviceEnv: { writer: writerEnv },
});
try {
  const { normalizer, writer, receiver } = stack.services;
  const dataset = new Dataset(42, Date.now() - 86_400_000);
  const bodiesOf = (first: number, count: number): EncodedBody[] => {
    const out: EncodedBody[] = [];
    for (let r = first; r < first + count; r++)
      for (let i = 0; i < 10; i++) out.push(encodeRequest(format, dataset.request(r, i)));
    return out;
  };
  const counter = async (url: string, name: string): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
    return m === null ? 0 : Number(m[1]);
  };
  const send = (org: string, bodies: readonly EncodedBody[], onOk?: (samples: number) => void) =>
    runLoad({
      target: pipelineTarget(receiver.url, format, org),
      body: (i) => bodies[i]!,
      count: bodies.length,
      concurrency: 8,
      mode: { kind: 'count' },
      ...(onOk === undefined ? {} : { onAnswer: (i, status) => status < 300 && onOk(bodies[i]!.samples) }),
    });

  const warm = bodiesOf(0, 4);
  await send('warm', warm);
  while ((await storedRows(writer.url, 'warm')) < 40_000) await delay(100);

  const bodies = bodiesOf(10, rounds);
  const total = bodies.reduce((sum, b) => sum + b.samples, 0);
  const base = {
    normalized: await counter(normalizer.url, 'normalizer_samples_total'),
    inserted: await counter(writer.url, 'writer_rows_inserted_total'),
    inserts: await counter(writer.url, 'writer_inserts_total'),
  };
  let acked = 0;
  const startedAt = performance.now();
  const seconds = () => (performance.now() - startedAt) / 1000;
  const marks: Record<string, number> = {};
  const poll = (async () => {
    for (;;) {
      const at = seconds();
      const [normalized, inserted, inserts, held, stored] = await Promise.all([
        counter(normalizer.url, 'normalizer_samples_total'),
        counter(writer.url, 'writer_rows_inserted_total'),
        counter(writer.url, 'writer_inserts_total'),
        counter(writer.url, 'writer_buffered_bytes'),
        storedRows(writer.url, 'run'),
      ]);
      const k = (n: number) => `${(n / 1000).toFixed(0)}k`.padStart(6);
      process.stdout.write(
        `${at.toFixed(2).padStart(6)} s  2xx ${k(acked)}  normalized ${k(normalized - base.normalized)}  inserted ${k(inserted - base.inserted)}  queryable ${k(stored)}  inserts ${String(inserts - base.inserts).padStart(3)}  writer holds ${(held / 1e6).toFixed(1)} MB\n`,
      );
      if (normalized - base.normalized >= total) marks.normalized ??= at;
      if (stored >= total) {
        marks.queryable = at;
        return;
      }
      await delay(100);
    }
  })();
  const load = await send('run', bodies, (samples) => {
    acked += samples;
  });
  await poll;
  process.stdout.write(
    `${total} samples: last 2xx at ${load.elapsedS.toFixed(2)} s, all normalized by ${marks.normalized?.toFixed(2)} s, all queryable by ${marks.queryable?.toFixed(2)} s\n`,
  );
} finally {
  await stack.stopServices();
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
