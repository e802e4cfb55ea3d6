/**
 * The benchmark's data set, before any dialect: 10,000 series scraped in rounds. One round is
 * every series once at one timestamp, cut into 10 requests of exactly 1000 samples each:
 *
 * - 4000 gauge series (10 names × 400 hosts), one sample each;
 * - 3000 counter series (10 names × 300 hosts), one sample each;
 * - 250 histograms (5 names × 50 hosts) of 10 buckets, each 12 series: 10 buckets, _sum, _count.
 *
 * A request holds 400 gauges, 300 counters and 25 histograms: 725 records, 1000 stored samples in
 * every dialect (a Better Stack histogram record expands to its buckets, `_sum` and `_count`, as
 * Prometheus' `_bucket`/`_sum`/`_count` lines do). Everything is a pure function of (seed, round),
 * so any round can be rebuilt on its own and every run sends the same bytes.
 */

export type Tags = Readonly<Record<string, string>>;

export interface ScalarRecord {
  readonly kind: 'gauge' | 'counter';
  readonly name: string;
  readonly tags: Tags;
  readonly value: number;
}

export interface HistogramRecord {
  readonly kind: 'histogram';
  readonly name: string;
  readonly tags: Tags;
  /** Upper bounds; the last is +Infinity. */
  readonly bounds: readonly number[];
  /** Cumulative counts, one per bound. */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export type BenchRecord = ScalarRecord | HistogramRecord;

export interface BenchRequest {
  readonly round: number;
  readonly index: number;
  /** Milliseconds since the epoch, the same for every record of the round. */
  readonly timestampMs: number;
  readonly records: readonly BenchRecord[];
  /** Stored samples this request becomes (histograms count buckets + 2). */
  readonly samples: number;
}

export const SERIES_PER_ROUND = 10_000;
export const REQUESTS_PER_ROUND = 10;
export const SAMPLES_PER_REQUEST = SERIES_PER_ROUND / REQUESTS_PER_ROUND;
/** The scrape interval: round k is at base + k × STEP_MS. */
export const STEP_MS = 10_000;

const GAUGE_NAMES = [
  'bench_cpu_usage_percent',
  'bench_memory_used_bytes',
  'bench_disk_free_bytes',
  'bench_load_average_1m',
  'bench_temperature_celsius',
  'bench_queue_depth',
  'bench_open_connections',
  'bench_threads_running',
  'bench_heap_used_bytes',
  'bench_network_rx_rate_bytes',
] as const;
const COUNTER_NAMES = [
  'bench_http_requests_total',
  'bench_http_errors_total',
  'bench_bytes_sent_total',
  'bench_bytes_received_total',
  'bench_db_queries_total',
  'bench_cache_hits_total',
  'bench_cache_misses_total',
  'bench_jobs_processed_total',
  'bench_gc_runs_total',
  'bench_log_lines_total',
] as const;
const HISTOGRAM_NAMES = [
  'bench_http_request_duration_seconds',
  'bench_db_query_duration_seconds',
  'bench_rpc_latency_seconds',
  'bench_job_duration_seconds',
  'bench_cache_lookup_seconds',
] as const;
const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, Number.POSITIVE_INFINITY];
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'ap-south-1'] as const;
const SERVICES = ['api', 'web', 'worker', 'billing', 'search', 'auth', 'gateway', 'mailer'] as const;

const GAUGE_HOSTS = 400;
const COUNTER_HOSTS = 300;
const HISTOGRAM_HOSTS = 50;
const GAUGES_PER_REQUEST = (GAUGE_NAMES.length * GAUGE_HOSTS) / REQUESTS_PER_ROUND;
const COUNTERS_PER_REQUEST = (COUNTER_NAMES.length * COUNTER_HOSTS) / REQUESTS_PER_ROUND;
const HISTOGRAMS_PER_REQUEST = (HISTOGRAM_NAMES.length * HISTOGRAM_HOSTS) / REQUESTS_PER_ROUND;

/** mulberry32: small, fast, good enough to make values look like values. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hostTags = (host: number): Tags => ({
  host: `host-${String(host).padStart(4, '0')}`,
  region: REGIONS[host % REGIONS.length]!,
  service: SERVICES[host % SERVICES.length]!,
  env: 'production',
});

interface SeriesShape {
  readonly name: string;
  readonly tags: Tags;
  /** Per-series constants drawn once from the seed. */
  readonly a: number;
  readonly b: number;
}

export class Dataset {
  readonly #gauges: SeriesShape[] = [];
  readonly #counters: SeriesShape[] = [];
  readonly #histograms: SeriesShape[] = [];

  constructor(
    readonly seed: number,
    /** Timestamp of round 0, ms. */
    readonly baseMs: number,
  ) {
    const random = seededRandom(seed);
    for (const name of GAUGE_NAMES)
      for (let h = 0; h < GAUGE_HOSTS; h++)
        this.#gauges.push({ name, tags: hostTags(h), a: random() * 1000, b: random() });
    for (const name of COUNTER_NAMES)
      for (let h = 0; h < COUNTER_HOSTS; h++)
        this.#counters.push({
          name,
          tags: hostTags(h),
          a: Math.floor(random() * 1e6),
          b: 1 + Math.floor(random() * 500),
        });
    for (const name of HISTOGRAM_NAMES)
      for (let h = 0; h < HISTOGRAM_HOSTS; h++)
        this.#histograms.push({ name, tags: hostTags(h), a: 20 + random() * 200, b: 0.02 + random() * 0.3 });
  }

  timestampOf(round: number): number {
    return this.baseMs + round * STEP_MS;
  }

  /** Request `index` (0..9) of `round`. */
  request(round: number, index: number): BenchRequest {
    const random = seededRandom((this.seed * 1_000_003 + round * 97 + index) >>> 0);
    const records: BenchRecord[] = [];
    for (let i = index * GAUGES_PER_REQUEST; i < (index + 1) * GAUGES_PER_REQUEST; i++) {
      const s = this.#gauges[i]!;
      // A wandering value with three decimals, like most gauges on the wire.
      const value =
        Math.round((s.a * (1 + 0.2 * Math.sin(round / 7 + s.b * 6)) + random() * 10) * 1000) / 1000;
      records.push({ kind: 'gauge', name: s.name, tags: s.tags, value });
    }
    for (let i = index * COUNTERS_PER_REQUEST; i < (index + 1) * COUNTERS_PER_REQUEST; i++) {
      const s = this.#counters[i]!;
      records.push({ kind: 'counter', name: s.name, tags: s.tags, value: s.a + round * s.b });
    }
    for (let i = index * HISTOGRAMS_PER_REQUEST; i < (index + 1) * HISTOGRAMS_PER_REQUEST; i++) {
      const s = this.#histograms[i]!;
      const count = Math.floor((round + 1) * s.a);
      // Cumulative bucket counts of an exponential-ish latency distribution with mean s.b seconds.
      const counts = BOUNDS.map((bound) =>
        bound === Number.POSITIVE_INFINITY ? count : Math.floor(count * (1 - Math.exp(-bound / s.b))),
      );
      const sum = Math.round(count * s.b * (0.9 + random() * 0.2) * 1000) / 1000;
      records.push({ kind: 'histogram', name: s.name, tags: s.tags, bounds: BOUNDS, counts, sum, count });
    }
    return { round, index, timestampMs: this.timestampOf(round), records, samples: SAMPLES_PER_REQUEST };
  }

  /** Every request of rounds [from, to), round by round. */
  *requests(fromRound: number, toRound: number): Generator<BenchRequest> {
    for (let round = fromRound; round < toRound; round++)
      for (let index = 0; index < REQUESTS_PER_ROUND; index++) yield this.request(round, index);
  }
}

/** Stored samples of one record. */
export function samplesOf(record: BenchRecord): number {
  return record.kind === 'histogram' ? record.bounds.length + 2 : 1;
}
