/**
 * Two checkouts' code loaded into one process and run in turns over the same inputs, so that the
 * machine's noise falls on both: before/after evidence for a change too small for the receivers'
 * or the full bench's run-to-run spread (±20 %). The checkout loaded second ran up to 29 % slower
 * than the first, the same code in both (docs/benchmarks.md, fifteenth round), so each load order
 * runs in a process of its own and the two ratios are combined (geometric mean), which cancels the
 * position out. Used by compare-normalizers.ts and compare-verdicts.ts.
 */
import { spawnSync } from 'node:child_process';
import { flag } from './cli-flags.js';
import type { Format } from './encoders.js';
import { median } from './stats.js';

export interface InProcessWorkload<V, I> {
  /** What is compared, for the first line of the output. */
  readonly what: string;
  /** The unit of what `pass` returns, e.g. "CPU-µs per sample". */
  readonly unit: string;
  load(label: 'A' | 'B', root: string): Promise<V>;
  /** The inputs of one format, the same for both checkouts. */
  inputs(format: Format): I;
  /** Called before a format's passes: fresh state (caches, registries) for each checkout. */
  reset(v: V, format: Format): void;
  /** One pass over the inputs: the cost per unit. */
  pass(v: V, inputs: I): number;
}

export interface InProcessOptions {
  readonly aRoot: string;
  readonly bRoot: string;
  readonly formats: readonly Format[];
  readonly passes: number;
  readonly warmUpPasses?: number;
}

/** --a-root (required), --b-root (this checkout), --passes, --formats from the command line. */
export function inProcessOptions(defaultPasses: number): InProcessOptions {
  const aRoot = flag('a-root');
  if (aRoot === undefined) throw new Error('--a-root=DIR (a checkout with node_modules) is required');
  return {
    aRoot,
    bRoot: flag('b-root') ?? new URL('..', import.meta.url).pathname.replace(/\/$/, ''),
    passes: Number(flag('passes') ?? defaultPasses),
    formats: (flag('formats')?.split(',') ?? ['bs-json', 'bs-msgpack', 'oo-json']) as Format[],
  };
}

const RESULT = 'in-process-ab-result ';

const gc = (globalThis as { gc?: (options: { type: 'minor' | 'major' }) => void }).gc;

/**
 * The parent (two child processes, A loaded first and B loaded first; prints per format the
 * medians, ranges and combined B/A) or, with --child, one of them.
 */
export async function runInProcessAb<V, I>(
  workload: InProcessWorkload<V, I>,
  options: InProcessOptions,
): Promise<void> {
  if (!process.argv.includes('--child')) {
    console.log(
      `A: ${options.aRoot}\nB: ${options.bRoot}\n${workload.what}, ${options.passes} passes each, in turns; ` +
        'once with A loaded first, once with B',
    );
    const runs = (['A', 'B'] as const).map((first) => {
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', ...process.execArgv, ...process.argv.slice(1), '--child', `--first=${first}`],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
      );
      if (child.status !== 0) throw new Error(`the run with ${first} loaded first failed (${child.status})`);
      return child.stdout
        .split('\n')
        .filter((line) => line.startsWith(RESULT))
        .map((line) => JSON.parse(line.slice(RESULT.length)) as { format: Format; A: number[]; B: number[] });
    });
    const show = (x: number[]) =>
      `${median(x).toFixed(2)} (${Math.min(...x).toFixed(2)}–${Math.max(...x).toFixed(2)})`;
    for (const format of options.formats) {
      const [aFirst, bFirst] = runs.map((run) => run.find((r) => r.format === format));
      if (aFirst === undefined || bFirst === undefined) throw new Error(`no result for ${format}`);
      const ratios = [aFirst, bFirst].map((r) => median(r.B) / median(r.A)) as [number, number];
      console.log(
        `${format.padEnd(10)} ${workload.unit}: A ${show([...aFirst.A, ...bFirst.A])}, B ${show([...aFirst.B, ...bFirst.B])}; ` +
          `B/A ${ratios[0].toFixed(2)} (A first), ${ratios[1].toFixed(2)} (B first): ${Math.sqrt(ratios[0] * ratios[1]).toFixed(2)}`,
      );
    }
    return;
  }

  const bFirst = process.argv.includes('--first=B');
  const loaded: Record<'A' | 'B', V> = {} as Record<'A' | 'B', V>;
  for (const label of bFirst ? (['B', 'A'] as const) : (['A', 'B'] as const))
    loaded[label] = await workload.load(label, label === 'A' ? options.aRoot : options.bRoot);
  // The heap is collected before each pass, so that a pass does not pay for the garbage of the one
  // before it (the other checkout's, half the time).
  const pass = (label: 'A' | 'B', inputs: I) => {
    gc?.({ type: 'minor' });
    return workload.pass(loaded[label], inputs);
  };
  for (const format of options.formats) {
    const inputs = workload.inputs(format);
    workload.reset(loaded.A, format);
    workload.reset(loaded.B, format);
    for (let i = 0; i < (options.warmUpPasses ?? 3); i++)
      for (const label of bFirst ? (['B', 'A'] as const) : (['A', 'B'] as const)) pass(label, inputs);
    const times: Record<'A' | 'B', number[]> = { A: [], B: [] };
    // Which one goes first in a turn alternates too.
    for (let i = 0; i < options.passes; i++)
      for (const label of i % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const))
        times[label].push(pass(label, inputs));
    process.stdout.write(`${RESULT}${JSON.stringify({ format, ...times })}\n`);
  }
}
