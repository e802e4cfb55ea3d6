/**
 * `node --import tsx bench/receiver-instructions.ts [--a-root=DIR] [--formats=bs-json,bs-msgpack,oo-json]`:
 * machine instructions per 1000-sample body of the receiver's verdict path (the dialect's
 * statusOnly processing of the bench data set), counted by valgrind's callgrind. Wall time on these
 * shared machines moves by ±15 % between turns; instruction counts do not, so a change to the
 * parsers can be judged side by side with another checkout (`--a-root`, e.g. a `git worktree`).
 *
 * Each count runs node under callgrind twice, for two numbers of passes over ten bodies, and takes
 * the difference: start-up, compilation and warm-up fall out. `--single-threaded` makes V8 compile
 * on the main thread, so its tiering does not depend on how fast valgrind runs the compiler threads.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Dataset } from './dataset.js';
import { encodeRequest } from './encoders.js';
import type { PipelineFormat } from './options.js';

const BODIES = 10;
const FEW = 10;
const MANY = 30;

const { values: args } = parseArgs({
  options: {
    'a-root': { type: 'string' },
    formats: { type: 'string', default: 'bs-json,bs-msgpack,oo-json' },
    child: { type: 'boolean', default: false },
    root: { type: 'string' },
    passes: { type: 'string' },
  },
});
const here = fileURLToPath(import.meta.url);
const thisRoot = resolve(here, '../..');

if (args.child) {
  await runPasses(args.root!, args.formats!.split(',') as PipelineFormat[], Number(args.passes));
  process.exit(0);
}

const formats = args.formats!.split(',') as PipelineFormat[];
const roots = args['a-root'] === undefined ? { B: thisRoot } : { A: resolve(args['a-root']), B: thisRoot };
const say = (line: string) => process.stdout.write(`[instructions] ${line}\n`);
say(
  `${Object.entries(roots)
    .map(([k, v]) => `${k}: ${v}`)
    .join('  ')}; passes ${FEW} and ${MANY} over ${BODIES} bodies`,
);
for (const format of formats) {
  const perBody: Record<string, number> = {};
  for (const [name, root] of Object.entries(roots)) {
    const few = instructions(root, format, FEW);
    const many = instructions(root, format, MANY);
    perBody[name] = (many - few) / ((MANY - FEW) * BODIES);
  }
  const b = perBody.B!;
  const a = perBody.A;
  say(
    `${format.padEnd(10)} ${a === undefined ? '' : `A ${(a / 1e6).toFixed(3)} M | `}B ${(b / 1e6).toFixed(3)} M instructions per body${a === undefined ? '' : ` | B/A ${(b / a).toFixed(3)}`}`,
  );
}

function instructions(root: string, format: PipelineFormat, passes: number): number {
  const run = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
      // V8 writes and rewrites machine code in anonymous memory.
      '--smc-check=all-non-file',
      process.execPath,
      '--single-threaded',
      '--import',
      'tsx',
      here,
      '--child',
      `--root=${root}`,
      `--formats=${format}`,
      `--passes=${passes}`,
    ],
    { encoding: 'utf8', cwd: thisRoot, maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.error !== undefined) throw new Error(`valgrind could not run: ${run.error.message}`);
  const collected = /Collected : (\d+)/.exec(run.stderr);
  if (run.status !== 0 || collected === null)
    throw new Error(`valgrind exited ${run.status} for ${format} in ${root}:\n${run.stderr.slice(-2000)}`);
  return Number(collected[1]);
}

async function runPasses(root: string, formats: readonly PipelineFormat[], passes: number): Promise<void> {
  const dataset = new Dataset(42, 1_764_633_600_000);
  const receivedAtUs = 1_764_633_600_000 * 1000;
  for (const format of formats) {
    const bodies = Array.from(
      { length: BODIES },
      (_, i) => encodeRequest(format, dataset.request(0, i)).bytes,
    );
    let accepted = 0;
    if (format === 'oo-json') {
      const oo = await import(`${root}/packages/dialect-openobserve/src/index.ts`);
      const ctx = {
        receivedAtUs,
        maxFieldsPerRecord: 200,
        knownTypes: { get: () => undefined },
        statusOnly: true,
      };
      for (let p = 0; p < passes; p++)
        for (const body of bodies) accepted += oo.processOpenObservePayload(body, ctx).records;
    } else {
      const bs = await import(`${root}/packages/dialect-betterstack/src/index.ts`);
      const ctx = { receivedAtUs, window: { maxAgeUs: 0, maxFutureUs: 0 }, statusOnly: true };
      const bodyFormat = format === 'bs-json' ? 'json' : 'msgpack';
      for (let p = 0; p < passes; p++)
        for (const body of bodies) accepted += bs.processBetterStackPayload(body, bodyFormat, ctx).accepted;
    }
    // A count that does not add up means the path under test refused the data set.
    if (accepted === 0) throw new Error(`${format}: no record accepted`);
  }
}
