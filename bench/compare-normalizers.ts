/**
 * `node --import tsx bench/compare-normalizers.ts --a-root=/tmp/base`: the normalizer's work on a
 * batch — inflating the raw bodies, the dialects, the rows, the series feed and LZ4 — of checkout A
 * and of this one (or of `--b-root`), loaded into one process and run in turns (A, B, B, A, …) over
 * the same messages (the bench's data set, as the receiver publishes it), so that the machine's
 * noise falls on both. The checkout loaded second runs slower, so there are two such processes, one
 * with each loaded first, and their ratios are combined (geometric mean). Prints the CPU-µs per
 * sample of each (median and range of `--passes`, 9, in both processes) per format. Kafka's
 * client is left out: it handles the same messages in both. For before/after evidence of a change
 * to the normalizer (`git worktree add /tmp/base <rev>` plus `npm ci` there); `npm run bench` is
 * the benchmark.
 */
import { spawnSync } from 'node:child_process';
import { rawPayloadMessage } from '@pipeline/kafka-io';
import { Dataset } from './dataset.js';
import { encodeRequest, type Format } from './encoders.js';
import { median } from './stats.js';

function flag(name: string): string | undefined {
  return process.argv
    .slice(2)
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3);
}

const aRoot = flag('a-root');
if (aRoot === undefined) throw new Error('--a-root=DIR (a checkout with node_modules) is required');
const bRoot = flag('b-root') ?? new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const passes = Number(flag('passes') ?? 9);
const rounds = Number(flag('rounds') ?? 10);
const formats = (flag('formats')?.split(',') ?? ['bs-json', 'bs-msgpack', 'oo-json']) as Format[];

interface Variant {
  readonly label: string;
  // biome-ignore lint/suspicious/noExplicitAny: the two checkouts' modules, loaded by path.
  readonly m: any;
  metrics: unknown;
  feed: unknown;
  registry: { register(org: string, stream: string, type: string): void } | undefined;
}

/** One checkout's normalizer, with a fresh series cache state per format. */
async function load(label: string, root: string): Promise<Variant> {
  const src = `${root}/services/normalizer/src`;
  const m = {
    batch: await import(`${src}/normalize-batch.ts`),
    metrics: await import(`${src}/normalizer-metrics.ts`),
    out: await import(`${src}/output-messages.ts`),
    prom: await import(`${root}/node_modules/prom-client/index.js`),
    model: await import(`${root}/packages/sample-model/src/index.ts`),
    types: await import(`${root}/packages/type-registry/src/index.ts`),
  };
  return { label, m, metrics: undefined, feed: undefined, registry: undefined };
}

function reset(v: Variant): void {
  v.metrics = v.m.metrics.createNormalizerMetrics(new v.m.prom.Registry());
  v.feed = new v.m.model.SeriesFeed();
  v.registry = new v.m.types.TypeRegistry();
}

type Message = { value: Buffer; headers: Record<string, Buffer>; offset: string };

function messagesOf(format: Format): Message[] {
  const dataset = new Dataset(1, Date.now() - 120_000);
  const receivedAtUs = Date.now() * 1000;
  const out: Message[] = [];
  for (const request of dataset.requests(0, rounds)) {
    const message = rawPayloadMessage({
      dialect: format === 'oo-json' ? 'openobserve' : 'betterstack',
      org: 'bench',
      source: 'bench',
      format: format === 'bs-msgpack' ? 'msgpack' : 'json',
      receivedAtUs,
      requestId: `r${out.length}`,
      maxAgeUs: 3_600_000_000,
      maxFutureUs: 3_600_000_000,
      maxFieldsPerRecord: 200,
      body: encodeRequest(format, request).bytes,
    });
    const headers: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = Buffer.from(String(v));
    out.push({ value: message.value as Buffer, headers, offset: String(out.length) });
  }
  return out;
}

const gc = (globalThis as { gc?: (options: { type: 'minor' | 'major' }) => void }).gc;
const collect = gc === undefined ? undefined : () => gc({ type: 'minor' });

/**
 * One pass over the messages in batches of 20, then a feed report: CPU-µs per sample. The heap is
 * collected first, so that a pass does not pay for the garbage of the one before it (the other
 * checkout's, half the time).
 */
function pass(v: Variant, messages: readonly Message[]): number {
  collect?.();
  const before = process.cpuUsage();
  let samples = 0;
  for (let i = 0; i < messages.length; i += 20) {
    const output = v.m.batch.normalizeBatch(
      messages.slice(i, i + 20),
      v.registry,
      1 << 20,
      v.metrics,
      v.feed,
    );
    for (const m of output.samples) samples += Number(m.headers.rows);
    for (const l of output.learned) v.registry!.register(l.org, l.stream, l.type);
  }
  v.m.out.seriesFeedMessages(v.feed, 1 << 20);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / samples;
}

const RESULT = 'compare-normalizers-result ';

if (!process.argv.includes('--child')) {
  // The checkout loaded second in a process ran up to 29 % slower than the first, the same code in
  // both (docs/benchmarks.md): each order runs in a process of its own, and the ratios of the two
  // are combined, so that the position cancels out.
  console.log(
    `A: ${aRoot}\nB: ${bRoot}\n${rounds} rounds of the data set per pass, ${passes} passes each, in turns; ` +
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
  for (const format of formats) {
    const [aFirst, bFirst] = runs.map((run) => run.find((r) => r.format === format));
    if (aFirst === undefined || bFirst === undefined) throw new Error(`no result for ${format}`);
    const ratios = [aFirst, bFirst].map((r) => median(r.B) / median(r.A));
    const combined = Math.sqrt((ratios[0] as number) * (ratios[1] as number));
    console.log(
      `${format.padEnd(10)} CPU-µs per sample: A ${show([...aFirst.A, ...bFirst.A])}, B ${show([...aFirst.B, ...bFirst.B])}; ` +
        `B/A ${(ratios[0] as number).toFixed(2)} (A first), ${(ratios[1] as number).toFixed(2)} (B first): ${combined.toFixed(2)}`,
    );
  }
  process.exit(0);
}

const bFirst = process.argv.includes('--first=B');
let a: Variant;
let b: Variant;
if (bFirst) {
  b = await load('B', bRoot);
  a = await load('A', aRoot);
} else {
  a = await load('A', aRoot);
  b = await load('B', bRoot);
}
for (const format of formats) {
  const messages = messagesOf(format);
  reset(a);
  reset(b);
  for (let i = 0; i < 3; i++) for (const v of bFirst ? [b, a] : [a, b]) pass(v, messages);
  const times: Record<'A' | 'B', number[]> = { A: [], B: [] };
  // Which one goes first in a turn alternates too.
  for (let i = 0; i < passes; i++) {
    for (const v of i % 2 === 0 ? [a, b] : [b, a]) times[v.label as 'A' | 'B'].push(pass(v, messages));
  }
  process.stdout.write(`${RESULT}${JSON.stringify({ format, ...times })}\n`);
}
