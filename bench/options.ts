/** Command-line flags of `npm run bench -- …`. */
import type { Format } from './encoders.js';

export type PipelineFormat = Exclude<Format, 'prometheus'>;

export interface BenchOptions {
  readonly quick: boolean;
  /** Repetitions of the side-by-side measurements; the report gives their medians. */
  readonly reps: number;
  /** Rounds of 10,000 samples sent end to end per repetition and system. */
  readonly rounds: number;
  /** Seconds of each accepted-rate measurement (receiver alone, VictoriaMetrics import). */
  readonly durationS: number;
  /** Seconds of each latency probe at half the maximum rate; 0 skips it. */
  readonly latencyS: number;
  /** Concurrent HTTP clients. */
  readonly concurrency: number;
  /** Rounds of `bigConcurrency` concurrent 20 MiB bodies to the receiver alone; 0 skips them. */
  readonly bigRounds: number;
  readonly bigConcurrency: number;
  /** Seconds of the whole pipeline at the maximum rate, RSS sampled; 0 skips it. */
  readonly soakS: number;
  readonly formats: readonly PipelineFormat[];
  readonly profile: boolean;
  /** Send each system 20,000 samples of new series first (not in the medians). */
  readonly warmUp: boolean;
  /**
   * Seconds of each warm-up accepted-rate run (per format, one receiver and two), so that a broker
   * started for the run has compiled its produce path before the first measured run.
   */
  readonly warmUpS: number;
  readonly keep: boolean;
  readonly seed: number;
  readonly settleS: number;
  readonly label: string;
  readonly out: string | undefined;
  /** Environment for every service, then per service (receiver covers both receivers). */
  readonly env: Readonly<Record<string, string>>;
  readonly receiverEnv: Readonly<Record<string, string>>;
  readonly normalizerEnv: Readonly<Record<string, string>>;
  readonly writerEnv: Readonly<Record<string, string>>;
  /** Node flags per service, after dev-stack's (e.g. a heap setting tried before it is adopted). */
  readonly receiverNode: readonly string[];
  readonly normalizerNode: readonly string[];
  readonly writerNode: readonly string[];
}

const USAGE = `npm run bench -- [flags]
  --quick                 one short repetition (about a minute of measuring)
  --reps=N                repetitions, reported as medians (default 3; quick 1)
  --rounds=N              rounds of 10,000 samples per end-to-end run (default 20; quick 10)
  --duration=S            seconds per accepted-rate run (default 5; quick 3)
  --latency-duration=S    seconds of the latency probe at half rate, 0 = skip (default 15; quick 8)
  --concurrency=N         concurrent HTTP clients (default 8)
  --big-rounds=N          rounds of 16 concurrent 20 MiB bodies to the receiver, 0 = skip (default 1)
  --big-concurrency=N     concurrent big bodies (default 16)
  --soak=S                the whole pipeline at the maximum rate for S seconds, RSS of every stage
                          sampled (default 0 = skip; the memory target is a 300 s run)
  --formats=a,b           of bs-json, bs-msgpack, oo-json (default all)
  --profile               node --cpu-prof on the services; top functions in the report
  --no-warmup             skip the warm-up (20,000 samples of new series to each system first)
  --warmup-duration=S     seconds of each warm-up accepted-rate run, per format and receiver count
                          (default 4; quick 1): the broker's JIT compiler settles in them
  --env=K=V               environment for every service (repeatable)
  --receiver-env=K=V, --normalizer-env=K=V, --writer-env=K=V
  --receiver-node=FLAG, --normalizer-node=FLAG, --writer-node=FLAG
                          a node flag for that service, after its usual ones (repeatable)
  --label=TEXT            names the run in the JSON result
  --out=FILE              JSON result file (default bench/results/bench-<time>.json)
  --seed=N                data set seed (default 42)
  --settle=S              pause between runs (default 1.5)
  --keep                  keep the temporary directory (logs, data)`;

const FORMATS: readonly PipelineFormat[] = ['bs-json', 'bs-msgpack', 'oo-json'];

export function parseOptions(argv: readonly string[]): BenchOptions {
  const flags = new Map<string, string[]>();
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    const list = flags.get(m[1]!) ?? [];
    list.push(m[2] ?? 'true');
    flags.set(m[1]!, list);
  }
  const known = new Set(
    'quick reps rounds duration latency-duration concurrency big-rounds big-concurrency soak formats profile no-warmup warmup-duration env receiver-env normalizer-env writer-env receiver-node normalizer-node writer-node label out seed settle keep'.split(
      ' ',
    ),
  );
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown flag --${name}\n${USAGE}`);
  const quick = flags.has('quick');
  const number = (name: string, fallback: number, min = 0): number => {
    const text = flags.get(name)?.at(-1);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return value;
  };
  const env = (name: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const pair of flags.get(name) ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`--${name} takes KEY=VALUE, got ${JSON.stringify(pair)}`);
      out[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return out;
  };
  const formats = (flags.get('formats')?.at(-1)?.split(',') ?? [...FORMATS]).map((f) => {
    if (!FORMATS.includes(f as PipelineFormat)) throw new Error(`--formats: unknown ${JSON.stringify(f)}`);
    return f as PipelineFormat;
  });
  return {
    quick,
    reps: Math.floor(number('reps', quick ? 1 : 3, 1)),
    rounds: Math.floor(number('rounds', quick ? 10 : 20, 1)),
    durationS: number('duration', quick ? 3 : 5, 0.5),
    latencyS: number('latency-duration', quick ? 8 : 15),
    concurrency: Math.floor(number('concurrency', 8, 1)),
    bigRounds: Math.floor(number('big-rounds', 1)),
    bigConcurrency: Math.floor(number('big-concurrency', 16, 1)),
    soakS: number('soak', 0),
    formats,
    profile: flags.has('profile'),
    warmUp: !flags.has('no-warmup'),
    warmUpS: number('warmup-duration', quick ? 1 : 4, 0.5),
    keep: flags.has('keep'),
    seed: Math.floor(number('seed', 42)),
    settleS: number('settle', 1.5),
    label: flags.get('label')?.at(-1) ?? '',
    out: flags.get('out')?.at(-1),
    env: env('env'),
    receiverEnv: env('receiver-env'),
    normalizerEnv: env('normalizer-env'),
    writerEnv: env('writer-env'),
    receiverNode: flags.get('receiver-node') ?? [],
    normalizerNode: flags.get('normalizer-node') ?? [],
    writerNode: flags.get('writer-node') ?? [],
  };
}
