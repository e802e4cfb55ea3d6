/**
 * `node --import tsx bench/compare-normalizers.ts --a-root=/tmp/base`: the normalizer's work on a
 * batch — inflating the raw bodies, the dialects, the rows, the series feed and LZ4 — of checkout A
 * and of this one (or of `--b-root`), loaded into one process and run in turns (A, B, B, A, …) over
 * the same messages (the bench's data set, as the receiver publishes it), in two processes, one
 * with each loaded first (in-process-ab.ts). Prints the CPU-µs per sample of each (median and
 * range of `--passes`, 9, in both processes) per format and B/A. Kafka's
 * client is left out: it handles the same messages in both. For before/after evidence of a change
 * to the normalizer (`git worktree add /tmp/base <rev>` plus `npm ci` there); `npm run bench` is
 * the benchmark.
 */
import { rawPayloadMessage } from '@pipeline/kafka-io';
import { flag } from './cli-flags.js';
import { Dataset } from './dataset.js';
import { encodeRequest, type Format } from './encoders.js';
import { inProcessOptions, runInProcessAb } from './in-process-ab.js';

const rounds = Number(flag('rounds') ?? 10);

interface Variant {
  // biome-ignore lint/suspicious/noExplicitAny: the two checkouts' modules, loaded by path.
  readonly m: any;
  metrics: unknown;
  feed: unknown;
  registry: { register(org: string, stream: string, type: string): void } | undefined;
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

await runInProcessAb<Variant, Message[]>(
  {
    what: `${rounds} rounds of the data set per pass`,
    unit: 'CPU-µs per sample',
    async load(_label, root) {
      const src = `${root}/services/normalizer/src`;
      const m = {
        batch: await import(`${src}/normalize-batch.ts`),
        metrics: await import(`${src}/normalizer-metrics.ts`),
        out: await import(`${src}/output-messages.ts`),
        prom: await import(`${root}/node_modules/prom-client/index.js`),
        model: await import(`${root}/packages/sample-model/src/index.ts`),
        types: await import(`${root}/packages/type-registry/src/index.ts`),
      };
      return { m, metrics: undefined, feed: undefined, registry: undefined };
    },
    inputs: messagesOf,
    reset(v) {
      v.metrics = v.m.metrics.createNormalizerMetrics(new v.m.prom.Registry());
      v.feed = new v.m.model.SeriesFeed();
      v.registry = new v.m.types.TypeRegistry();
    },
    /** One pass over the messages in batches of 20, then a feed report. */
    pass(v, messages) {
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
    },
  },
  inProcessOptions(9),
);
