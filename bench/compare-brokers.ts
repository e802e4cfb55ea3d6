/**
 * `node --import tsx bench/compare-brokers.ts --a-prop=num.io.threads=8 --a-prop=num.network.threads=3`
 * (`--b-prop=K=V` likewise, and `--a-jvm=-XX:…`/`--b-jvm=…` for JVM options; each repeatable): two
 * Kafka brokers side by side, A and B, each with the given server properties over dev-stack's own
 * (which size the broker's threads to the cores) and JVM options after dev-stack's, and two
 * receivers on each (replicas on the same topics, as the compose file scales them), with
 * `--a-receiver-env=K=V` and `--b-receiver-env` in their environment, run from `--a-root=DIR` and
 * `--b-root` if given (another checkout, as for compare-receivers). The pairs are loaded in
 * turns (A, B, B, A, …) with the same bodies and 8 clients split between the two receivers, so
 * that the machine's noise falls on both. Prints the accepted samples/s and the
 * broker's and the receivers' CPU seconds per million samples, per format. A fresh broker's first
 * turns cost 2–3× more (its JIT), so each pair is warmed first (longer before the first format).
 * `npm run bench` is the benchmark.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type KafkaBroker,
  type ServiceProcess,
  spawnService,
  startKafkaBroker,
  waitForServiceReady,
} from '@pipeline/dev-stack';
import { envOf, flag, flags } from './cli-flags.js';
import { Dataset } from './dataset.js';
import { encodeRequest } from './encoders.js';
import { runLoad } from './load-driver.js';
import type { PipelineFormat } from './options.js';
import { cpuSeconds } from './process-sampler.js';
import { benchServiceEnv, pipelineTarget } from './stack.js';
import { median } from './stats.js';

const turns = Number(flag('turns') ?? 8);
const seconds = Number(flag('duration') ?? 4);
const formats = (flag('formats')?.split(',') ?? ['oo-json', 'bs-json']) as PipelineFormat[];
const properties = { A: envOf(flags('a-prop')), B: envOf(flags('b-prop')) };
const jvmOptions = { A: flags('a-jvm'), B: flags('b-jvm') };
const receiverEnv = { A: envOf(flags('a-receiver-env')), B: envOf(flags('b-receiver-env')) };
const roots = { A: flag('a-root'), B: flag('b-root') };
const say = (line: string) => process.stdout.write(`[compare-brokers] ${line}\n`);

type Variant = 'A' | 'B';
interface Setup {
  readonly kafka: KafkaBroker;
  readonly receivers: ServiceProcess[];
}

const dir = mkdtempSync(join(os.tmpdir(), 'compare-brokers-'));
const setups = new Map<Variant, Setup>();

async function start(variant: Variant): Promise<Setup> {
  const kafka = await startKafkaBroker({
    dir: join(dir, `kafka-${variant}`),
    properties: properties[variant],
    jvmOptions: jvmOptions[variant],
    log: say,
  });
  const setup: Setup = { kafka, receivers: [] };
  setups.set(variant, setup);
  // One after the other: topics created concurrently on a fresh broker can fail the second start.
  for (const replica of [1, 2]) {
    const service = await spawnService({
      name: 'receiver',
      env: { ...benchServiceEnv(kafka.brokers, 'cmp.', ['solo']), ...receiverEnv[variant] },
      logFile: join(dir, `receiver-${variant}${replica}.log`),
      ...(roots[variant] === undefined ? {} : { root: roots[variant] }),
    });
    setup.receivers.push(service);
    await waitForServiceReady(service);
  }
  return setup;
}

try {
  const A = await start('A');
  const B = await start('B');
  say(
    `A: ${roots.A ?? 'this checkout'} ${JSON.stringify(properties.A)} ${jvmOptions.A.join(' ')} ${JSON.stringify(receiverEnv.A)}  B: ${roots.B ?? 'this checkout'} ${JSON.stringify(properties.B)} ${jvmOptions.B.join(' ')} ${JSON.stringify(receiverEnv.B)}`,
  );
  const dataset = new Dataset(42, Date.now() - 24 * 3_600_000);
  const requests = [...dataset.requests(0, 10)];
  for (const [f, format] of formats.entries()) {
    const bodies = requests.map((r) => encodeRequest(format, r));
    const load = (setup: Setup, ms: number) =>
      runLoad({
        target: setup.receivers.map((r) => pipelineTarget(r.url, format, 'solo')),
        body: (i) => bodies[i]!,
        count: bodies.length,
        concurrency: 8,
        mode: { kind: 'duration', ms },
      });
    // Three turns of 2 s left the first format's first measured turns 15–35 % low: the brokers'
    // JIT takes longer than the receivers'.
    const warmTurns = f === 0 ? 8 : 2;
    for (let warm = 0; warm < warmTurns; warm++) for (const setup of [A, B]) await load(setup, 2000);
    const results: Record<Variant, { rate: number; kafka: number; receivers: number }[]> = { A: [], B: [] };
    for (let turn = 0; turn < turns; turn++) {
      for (const v of turn % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
        const setup = v === 'A' ? A : B;
        const pids = [setup.kafka.process.pid!, ...setup.receivers.map((r) => r.process.pid!)];
        const before = pids.map((pid) => cpuSeconds(pid) ?? 0);
        const out = await load(setup, seconds * 1000);
        const [kafka, ...receivers] = pids.map((pid, i) => (cpuSeconds(pid) ?? 0) - before[i]!);
        const millions = out.okSamples / 1e6;
        results[v].push({
          rate: out.acceptedSamplesPerS,
          kafka: kafka! / millions,
          receivers: receivers.reduce((sum, s) => sum + s, 0) / millions,
        });
        await delay(500);
      }
    }
    const m = (v: Variant, key: 'rate' | 'kafka' | 'receivers') => median(results[v].map((r) => r[key]));
    const summary = (v: Variant) =>
      `${(m(v, 'rate') / 1000).toFixed(1)}k samples/s, Kafka ${m(v, 'kafka').toFixed(3)}, receivers ${m(v, 'receivers').toFixed(3)} CPU-s/M`;
    say(
      `${format.padEnd(10)} A ${summary('A')} | B ${summary('B')} | B/A samples/s ${(m('B', 'rate') / m('A', 'rate')).toFixed(3)}, Kafka CPU ${(m('B', 'kafka') / m('A', 'kafka')).toFixed(3)} (medians of ${turns} turns)`,
    );
    const perTurn = (v: Variant) => results[v].map((r) => (r.rate / 1000).toFixed(0)).join(' ');
    say(`${''.padEnd(10)} per turn, k samples/s: A ${perTurn('A')} | B ${perTurn('B')}`);
  }
} finally {
  for (const setup of setups.values()) {
    for (const receiver of setup.receivers) await receiver.process.stop();
    await setup.kafka.stop();
  }
  rmSync(dir, { recursive: true, force: true });
}
