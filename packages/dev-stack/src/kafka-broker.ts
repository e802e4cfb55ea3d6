import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ensureKafkaJars, KAFKA_VERSION } from './kafka-jars.js';
import { ManagedProcess } from './managed-process.js';
import { devStackDir } from './paths.js';
import { freePort, waitForPort } from './ports.js';

export interface KafkaBrokerOptions {
  /** Holds the broker's log segments, its config and its own log file; reused across restarts. */
  readonly dir: string;
  /** Client port; a free one when omitted. Restarts of the same broker must pass the same port. */
  readonly port?: number;
  readonly controllerPort?: number;
  /** Server properties over dev-stack's own (`num.io.threads` and the like), for side-by-side runs. */
  readonly properties?: Readonly<Record<string, string>>;
  /** More JVM options, after dev-stack's own (`-XX:TieredStopAtLevel=1` and the like), for side-by-side runs. */
  readonly jvmOptions?: readonly string[];
  readonly log?: (line: string) => void;
}

export interface KafkaBroker {
  readonly brokers: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly version: string;
  readonly dir: string;
  readonly process: ManagedProcess;
  /** Graceful stop (SIGTERM); the data stays for a restart. */
  stop(): Promise<void>;
  /** kill -9, as in a crash. */
  kill(): Promise<void>;
  /** Starts the same broker again on the same ports and data. */
  restart(): Promise<KafkaBroker>;
}

// 20 MiB bodies travel as one message, plus headers: every size limit on the path is raised to 25 MiB.
const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

/**
 * Request handler and network threads sized to the machine, not Kafka's fixed 8 and 3: on two
 * cores a broker beside the services spent ~10 % less CPU per sample with 2 and 2, as its threads
 * switched less (bench/compare-brokers.ts, docs/benchmarks.md, nineteenth round).
 */
function threadProperties(cores: number): Record<string, string> {
  return {
    'num.io.threads': String(Math.min(8, Math.max(2, cores))),
    'num.network.threads': String(Math.min(3, Math.max(2, cores))),
  };
}

/** The broker's server.properties; exported for its tests. */
export function serverProperties(
  dir: string,
  port: number,
  controllerPort: number,
  extra: Readonly<Record<string, string>> = {},
  cores: number = availableParallelism(),
): string {
  const settings = { ...threadProperties(cores), ...extra };
  const lines = Object.entries(settings).map(([key, value]) => `${key}=${value}\n`);
  return `# Written by dev-stack: one KRaft node, broker and controller in one, on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${join(dir, 'data')}
num.partitions=4
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
message.max.bytes=${MAX_MESSAGE_BYTES}
replica.fetch.max.bytes=${MAX_MESSAGE_BYTES}
log.retention.hours=168
${lines.join('')}`;
}

/**
 * The broker's java command line. Given JVM options come after dev-stack's own, so that one naming
 * the same flag (`-Xmx1g`) wins, as the JVM takes the last of a repeated flag.
 */
export function brokerJavaArgs(
  dir: string,
  classpath: string,
  config: string,
  jvmOptions: readonly string[],
): string[] {
  return [
    '-Xms256m',
    '-Xmx768m',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    ...jvmOptions,
    `-Dkafka.logs.dir=${dir}`,
    `-Dlog4j.configuration=file:${join(devStackDir(), 'kafka', 'log4j.properties')}`,
    '-cp',
    classpath,
    'kafka.Kafka',
    config,
  ];
}

/**
 * Starts a real Apache Kafka broker (jars from Maven Central, KRaft mode) as a child process.
 * Formats the storage on first start only, so a restart keeps every topic and offset.
 */
export async function startKafkaBroker(options: KafkaBrokerOptions): Promise<KafkaBroker> {
  const log = options.log ?? (() => {});
  const libs = ensureKafkaJars(log);
  const dir = options.dir;
  const port = options.port ?? (await freePort());
  const controllerPort = options.controllerPort ?? (await freePort());
  mkdirSync(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'server.properties');
  writeFileSync(config, serverProperties(dir, port, controllerPort, options.properties ?? {}));
  const classpath = `${libs}/*`;

  if (!existsSync(join(dir, 'data', 'meta.properties'))) {
    // base64url ids can start with '-': passed as `--cluster-id=<id>`, never as a separate argument
    // that the option parser takes for a flag (seen: a format failed on one such id).
    const clusterId = randomBytes(16).toString('base64url');
    const format = spawnSync(
      'java',
      [
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        `--cluster-id=${clusterId}`,
        '-c',
        config,
        '--ignore-formatted',
      ],
      { encoding: 'utf8' },
    );
    if (format.error !== undefined)
      throw new Error(`dev-stack: cannot run java (${format.error.message}); install a JDK 17+`);
    if (format.status !== 0)
      throw new Error(`dev-stack: formatting Kafka storage failed:\n${format.stdout}\n${format.stderr}`);
  }

  const process = new ManagedProcess({
    name: 'kafka',
    command: 'java',
    args: brokerJavaArgs(dir, classpath, config, options.jvmOptions ?? []),
    logFile: join(dir, 'stdout.log'),
  });
  await waitForPort(port, {
    timeoutMs: 90_000,
    alive: () => process.alive,
    what: `Kafka (see ${dir}/broker.log)`,
  });
  log(`Kafka ${KAFKA_VERSION} listening on 127.0.0.1:${port}`);

  const broker: KafkaBroker = {
    brokers: `127.0.0.1:${port}`,
    port,
    controllerPort,
    version: KAFKA_VERSION,
    dir,
    process,
    stop: () => process.stop(30_000),
    kill: () => process.kill(),
    restart: async () => {
      await process.stop(30_000);
      return startKafkaBroker({ ...options, port, controllerPort });
    },
  };
  return broker;
}
