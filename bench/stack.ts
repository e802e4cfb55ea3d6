/**
 * What the benchmark measures, started on this machine: VictoriaMetrics, and our pipeline (a Kafka
 * broker, the writer with embedded ClickHouse, the normalizer, the receiver) plus two more
 * receivers whose topics nobody consumes, for the receivers' own figures: one alone, and the two
 * side by side as replicas (the compose file's `--scale receiver=N`).
 */
import { join } from 'node:path';
import {
  type KafkaBroker,
  type ServiceName,
  type ServiceProcess,
  spawnService,
  startKafkaBroker,
  startVictoriaMetrics,
  type VictoriaMetrics,
  waitForServiceReady,
} from '@pipeline/dev-stack';
import type { Format } from './encoders.js';
import type { LoadTarget } from './load-driver.js';
import { ProcessSet } from './process-sampler.js';

export const DATABASE = 'bench';
export const TOPIC_PREFIX = 'bench.';
export const SOLO_TOPIC_PREFIX = 'benchrx.';
/** HotSpot's JIT compiler threads, by the 15 characters of their names Linux keeps. */
const JIT_THREADS = ['C1 CompilerThre', 'C2 CompilerThre'];

/** The receivers whose topics nobody consumes: 'receiver-solo' alone, both as two replicas. */
export type SoloRole = 'receiver-solo' | 'receiver-solo-2';
/** The processes the bench starts, each by its role. */
export type SpawnedRole = ServiceName | SoloRole;

/** The processes the report names. */
export type Role =
  | SpawnedRole
  | 'kafka'
  /** Not a process: the Kafka broker's JIT compiler threads, whose CPU 'kafka' includes. */
  | 'kafka-jit'
  | 'victoria-metrics'
  | 'bench-client'
  /** Not a process: the whole machine's busy CPU (all cores). */
  | 'machine';

export interface StackOptions {
  readonly dir: string;
  /** Orgs the benchmark sends to; each gets a Better Stack token and an OpenObserve user. */
  readonly orgs: readonly string[];
  /** Node flags per service (e.g. --cpu-prof). */
  readonly nodeArgs?: Partial<Record<SpawnedRole, readonly string[]>>;
  /** More environment for every service, then per service. */
  readonly env?: Readonly<Record<string, string>>;
  readonly serviceEnv?: Partial<Record<SpawnedRole, Readonly<Record<string, string>>>>;
  readonly log: (line: string) => void;
}

export interface Stack {
  readonly kafka: KafkaBroker;
  readonly vm: VictoriaMetrics;
  readonly services: Readonly<Record<SpawnedRole, ServiceProcess>>;
  readonly processes: ProcessSet;
  stopServices(): Promise<void>;
  stop(): Promise<void>;
}

export const tokenOf = (org: string) => `tok-${org}`;
export const userOf = (org: string) => `${org}@bench.example`;
const PASSWORD = 'bench-password';

/**
 * What every bench service runs with (the comparison scripts' receivers too): loopback, quiet logs,
 * `orgs` able to send in both dialects, and benchmark traffic allowed.
 */
export function benchServiceEnv(brokers: string, prefix: string, orgs: readonly string[]): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    BETTERSTACK_SOURCE_TOKENS: orgs.map((org) => `${tokenOf(org)}=${org}/bench`).join(','),
    OPENOBSERVE_USERS: orgs.map((org) => `${userOf(org)}:${PASSWORD}@${org}`).join(','),
    // Benchmark traffic: one client address, timestamps of yesterday.
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_SAMPLE_AGE_SECONDS: '0',
    MAX_SAMPLE_FUTURE_SECONDS: '0',
  };
}

function serviceEnv(options: StackOptions, brokers: string, prefix: string): NodeJS.ProcessEnv {
  return {
    ...benchServiceEnv(brokers, prefix, options.orgs),
    CLICKHOUSE_DATABASE: DATABASE,
    CLICKHOUSE_DATA_DIR: join(options.dir, 'clickhouse'),
    ...options.env,
  };
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { dir, log } = options;
  const processes = new ProcessSet();
  processes.add('bench-client', process.pid);
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const thing of started.reverse()) await thing.stop().catch(() => {});
  };
  try {
    const vm = await startVictoriaMetrics({
      dir: join(dir, 'victoria-metrics'),
      args: ['-search.disableCache'],
      log,
    });
    started.push(vm);
    processes.add('victoria-metrics', vm.process.pid);
    const kafka = await startKafkaBroker({ dir: join(dir, 'kafka'), log });
    started.push(kafka);
    processes.add('kafka', kafka.process.pid);
    // HotSpot's compiler threads: a broker started for the run still compiles during it, which a
    // long-running broker no longer does (22–39 % of its CPU in the sixth round's end-to-end runs).
    processes.addThreads('kafka-jit', kafka.process.pid, JIT_THREADS);

    const spawn = async (role: SpawnedRole, prefix: string) => {
      const name: ServiceName = role === 'receiver-solo' || role === 'receiver-solo-2' ? 'receiver' : role;
      const service = await spawnService({
        name,
        env: { ...serviceEnv(options, kafka.brokers, prefix), ...options.serviceEnv?.[role] },
        logFile: join(dir, 'logs', `${role}.log`),
        ...(options.nodeArgs?.[role] === undefined ? {} : { nodeArgs: options.nodeArgs[role] }),
      });
      started.push({ stop: () => service.process.stop(30_000) });
      processes.add(role, service.process.pid);
      return service;
    };
    // The writer creates the schema and, like the others, the topics: one at a time.
    const writer = await spawn('writer', TOPIC_PREFIX);
    await waitForServiceReady(writer);
    const normalizer = await spawn('normalizer', TOPIC_PREFIX);
    await waitForServiceReady(normalizer);
    const receiver = await spawn('receiver', TOPIC_PREFIX);
    await waitForServiceReady(receiver);
    const solo = await spawn('receiver-solo', SOLO_TOPIC_PREFIX);
    await waitForServiceReady(solo);
    const solo2 = await spawn('receiver-solo-2', SOLO_TOPIC_PREFIX);
    await waitForServiceReady(solo2);
    log(
      `pipeline ready: receiver ${receiver.url}, receiver-only ${solo.url} and ${solo2.url}, writer ${writer.url}`,
    );

    const services = { writer, normalizer, receiver, 'receiver-solo': solo, 'receiver-solo-2': solo2 };
    return {
      kafka,
      vm,
      services,
      processes,
      // Upstream first, so nothing accepted is left without a consumer while it drains.
      stopServices: async () => {
        for (const role of ['receiver-solo-2', 'receiver-solo', 'receiver', 'normalizer', 'writer'] as const)
          await services[role].process.stop(60_000);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

const CONTENT_TYPES: Record<Exclude<Format, 'prometheus'>, string> = {
  'bs-json': 'application/json',
  'bs-msgpack': 'application/msgpack',
  'oo-json': 'application/json',
};

/** Where a body of `format` for `org` goes on one of our receivers. */
export function pipelineTarget(
  receiverUrl: string,
  format: Exclude<Format, 'prometheus'>,
  org: string,
): LoadTarget {
  if (format === 'oo-json') {
    return {
      origin: receiverUrl,
      path: `/api/${org}/ingest/metrics/_json`,
      headers: {
        'content-type': CONTENT_TYPES[format],
        authorization: `Basic ${Buffer.from(`${userOf(org)}:${PASSWORD}`).toString('base64')}`,
      },
    };
  }
  return {
    origin: receiverUrl,
    path: '/metrics',
    headers: { 'content-type': CONTENT_TYPES[format], authorization: `Bearer ${tokenOf(org)}` },
  };
}

export function victoriaMetricsTarget(vmUrl: string): LoadTarget {
  return { origin: vmUrl, path: '/api/v1/import/prometheus', headers: { 'content-type': 'text/plain' } };
}
