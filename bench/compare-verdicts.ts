/**
 * `node --import tsx bench/compare-verdicts.ts --a-root=/tmp/base`: the receivers' verdicts — each
 * dialect's `statusOnly` processing of a body, with the record shapes a route keeps (the work a
 * receiver does per body besides HTTP, LZ4 and Kafka) — of checkout A and of this one (or of
 * `--b-root`), loaded into one process and run in turns over the bench's bodies, in two processes,
 * one with each loaded first (in-process-ab.ts). Prints the CPU-µs per 1000-sample body of each
 * (median and range of `--passes`, 25, in both processes) per format and B/A. The three formats run in one
 * process, as they do in a receiver, so that code the dialects share is measured as it runs there.
 * `compare-receivers.ts` measures whole receivers, but resolves only ~±20 % in a run;
 * `receiver-instructions.ts` counts instructions, but V8 tiers up differently under valgrind.
 */
import { Dataset } from './dataset.js';
import { encodeRequest, type Format } from './encoders.js';
import { inProcessOptions, runInProcessAb } from './in-process-ab.js';

const BODIES = 200;

interface Variant {
  // biome-ignore lint/suspicious/noExplicitAny: the two checkouts' modules, loaded by path.
  readonly m: any;
  // biome-ignore lint/suspicious/noExplicitAny: their record shapes.
  shapes: any;
}

interface Inputs {
  readonly format: Format;
  readonly bodies: readonly Buffer[];
}

const dataset = new Dataset(42, Date.now() - 24 * 3_600_000);
const requests = [...dataset.requests(0, BODIES / 10)];
const knownTypes = { get: () => undefined };

await runInProcessAb<Variant, Inputs>(
  {
    what: `${BODIES} bodies of 1000 samples per pass`,
    unit: 'CPU-µs per body',
    async load(_label, root) {
      const m = {
        bs: await import(`${root}/packages/dialect-betterstack/src/index.ts`),
        oo: await import(`${root}/packages/dialect-openobserve/src/index.ts`),
        route: await import(`${root}/services/receiver/src/routes/shared.ts`),
      };
      return { m, shapes: undefined };
    },
    inputs: (format) => ({
      format,
      bodies: requests.map((r) => Buffer.from(encodeRequest(format, r).bytes)),
    }),
    reset(v, format) {
      const { VERDICT_SHAPES, VERDICT_SHAPE_BYTES } = v.m.route;
      v.shapes =
        format === 'oo-json'
          ? v.m.oo.createOpenObserveShapes(VERDICT_SHAPES, VERDICT_SHAPE_BYTES)
          : v.m.bs.createVerdictShapes(VERDICT_SHAPES, VERDICT_SHAPE_BYTES);
    },
    pass(v, { format, bodies }) {
      const before = process.cpuUsage();
      for (const body of bodies) {
        // The contexts the routes give: statuses only, the age window and field limit off as in the bench.
        const receivedAtUs = Date.now() * 1000;
        const result =
          format === 'oo-json'
            ? v.m.oo.processOpenObservePayload(
                body,
                { receivedAtUs, maxFieldsPerRecord: 200, knownTypes, statusOnly: true },
                v.shapes,
              )
            : v.m.bs.processBetterStackPayload(
                body,
                format === 'bs-json' ? 'json' : 'msgpack',
                { receivedAtUs, window: { maxAgeUs: 0, maxFutureUs: 0 }, statusOnly: true },
                v.shapes,
              );
        if (!result.ok || result.rejected.length > 0) throw new Error(`a ${format} body was refused`);
      }
      const used = process.cpuUsage(before);
      return (used.user + used.system) / bodies.length;
    },
  },
  inProcessOptions(25),
);
