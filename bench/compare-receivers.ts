/**
 * `node --import tsx bench/compare-receivers.ts --b-env=NODE_OPTIONS=--max-semi-space-size=64`:
 * two receivers side by side on one Kafka broker, A with the default environment and B with the
 * given one, loaded in turns (A, B, A, B, …) with the same bodies so that the machine's noise falls
 * on both. Prints the accepted samples/s and CPU seconds per million samples of each, per format.
 * `--a-root=DIR` runs A from another checkout (e.g. `git worktree add /tmp/base main` plus
 * `npm ci` there), for before/after evidence of a code change; `--b-node=--cpu-prof,--cpu-prof-dir=/tmp/p`
 * gives B's node extra flags (comma-separated). `--together` loads A alone (8 clients) in turns with
 * A and B at once (4 clients each, same topics): what a second receiver process on the same machine
 * adds. `--concurrency=N` sets the clients of each turn (8). `npm run bench` is the benchmark.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnService, startKafkaBroker, waitForServiceReady } from '@pipeline/dev-stack';
import { envOf, flag, flags } from './cli-flags.js';
import { Dataset } from './dataset.js';
import { type EncodedBody, encodeRequest } from './encoders.js';
import { runLoad } from './load-driver.js';
import type { PipelineFormat } from './options.js';
import { cpuSeconds } from './process-sampler.js';
import { benchServiceEnv, pipelineTarget } from './stack.js';
import { median } from './stats.js';

const rounds = Number(flag('turns') ?? 6);
const seconds = Number(flag('duration') ?? 4);
const concurrency = Number(flag('concurrency') ?? 8);
const formats = (flag('formats')?.split(',') ?? ['bs-json', 'bs-msgpack', 'oo-json']) as PipelineFormat[];
const variants = { A: envOf(flags('a-env')), B: envOf(flags('b-env')) };
const roots = { A: flag('a-root'), B: flag('b-root') };
const together = process.argv.includes('--together');
const nodeArgs = {
  A: flags('a-node').flatMap((f) => f.split(',')),
  B: flags('b-node').flatMap((f) => f.split(',')),
};
const say = (line: string) => process.stdout.write(`[compare] ${line}\n`);

const dir = mkdtempSync(join(os.tmpdir(), 'compare-receivers-'));
const kafka = await startKafkaBroker({ dir: join(dir, 'kafka'), log: say });
// One after the other: topics created concurrently on a fresh broker can fail the second start.
const start = async (variant: 'A' | 'B') => {
  const service = await spawnService({
    name: 'receiver',
    // Together, both publish to the same topics, as replicas of one receiver tier do.
    env: {
      ...benchServiceEnv(kafka.brokers, together ? 'cmp.' : `cmp${variant.toLowerCase()}.`, ['solo']),
      ...variants[variant],
    },
    logFile: join(dir, `${variant}.log`),
    ...(nodeArgs[variant].length === 0 ? {} : { nodeArgs: nodeArgs[variant] }),
    ...(roots[variant] === undefined ? {} : { root: roots[variant] }),
  });
  await waitForServiceReady(service);
  return service;
};
const receivers = { A: await start('A'), B: await start('B') };

/** A alone with 8 clients, then A and B at once with 4 each, in turns: the rate one machine reaches with two receivers. */
async function scaleTurns(bodies: readonly EncodedBody[], format: PipelineFormat): Promise<string> {
  const load = (v: 'A' | 'B', concurrency: number) =>
    runLoad({
      target: pipelineTarget(receivers[v].url, format, 'solo'),
      body: (i) => bodies[i]!,
      count: bodies.length,
      concurrency,
      mode: { kind: 'duration', ms: seconds * 1000 },
    });
  const one: number[] = [];
  const two: number[] = [];
  for (let turn = 0; turn < rounds; turn++) {
    one.push((await load('A', 8)).acceptedSamplesPerS);
    await delay(500);
    const [a, b] = await Promise.all([load('A', 4), load('B', 4)]);
    two.push(a.acceptedSamplesPerS + b.acceptedSamplesPerS);
    await delay(500);
  }
  const k = (v: number) => `${(v / 1000).toFixed(1)}k`;
  return `one receiver ${k(median(one))} samples/s | two receivers ${k(median(two))} samples/s | ${((median(two) / median(one) - 1) * 100).toFixed(1)} % (medians of ${rounds} turns; per turn ${one.map(k).join(', ')} | ${two.map(k).join(', ')})`;
}
try {
  say(
    `A: ${roots.A ?? 'this checkout'} ${JSON.stringify(variants.A)}  B: ${roots.B ?? 'this checkout'} ${JSON.stringify(variants.B)}`,
  );
  const dataset = new Dataset(42, Date.now() - 24 * 3_600_000);
  const requests = [...dataset.requests(0, 10)];
  for (const format of formats) {
    const bodies = requests.map((r) => encodeRequest(format, r));
    const results: Record<'A' | 'B', { rate: number; cpu: number }[]> = { A: [], B: [] };
    // A short warm-up each, then turns.
    for (const v of ['A', 'B'] as const)
      await runLoad({
        target: pipelineTarget(receivers[v].url, format, 'solo'),
        body: (i) => bodies[i]!,
        count: bodies.length,
        concurrency: 8,
        mode: { kind: 'duration', ms: 1500 },
      });
    if (together) {
      say(`${format.padEnd(10)} ${await scaleTurns(bodies, format)}`);
      continue;
    }
    for (let turn = 0; turn < rounds; turn++) {
      for (const v of turn % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
        const pid = receivers[v].process.pid!;
        const before = cpuSeconds(pid) ?? 0;
        const load = await runLoad({
          target: pipelineTarget(receivers[v].url, format, 'solo'),
          body: (i) => bodies[i]!,
          count: bodies.length,
          concurrency,
          mode: { kind: 'duration', ms: seconds * 1000 },
        });
        const cpu = ((cpuSeconds(pid) ?? 0) - before) / (load.okSamples / 1e6);
        results[v].push({ rate: load.acceptedSamplesPerS, cpu });
        await delay(500);
      }
    }
    const summary = (v: 'A' | 'B') =>
      `${(median(results[v].map((r) => r.rate)) / 1000).toFixed(1)}k samples/s, ${median(results[v].map((r) => r.cpu)).toFixed(2)} CPU-s/M`;
    const gain = median(results.B.map((r) => r.rate)) / median(results.A.map((r) => r.rate)) - 1;
    say(
      `${format.padEnd(10)} A ${summary('A')} | B ${summary('B')} | B/A ${(gain * 100).toFixed(1)} % (medians of ${rounds} turns)`,
    );
  }
} finally {
  await receivers.A.process.stop();
  await receivers.B.process.stop();
  await kafka.stop();
  rmSync(dir, { recursive: true, force: true });
}
