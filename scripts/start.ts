/**
 * `npm start`: the whole pipeline on one machine. Starts a real Kafka broker (unless
 * KAFKA_BROKERS names one), then one receiver, the normalizer and the writer, which stores into
 * the embedded ClickHouse under .data/clickhouse (or CLICKHOUSE_URL). Ctrl-C stops everything;
 * data stays in .data/ for the next start.
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type KafkaBroker,
  type ManagedProcess,
  repoRoot,
  spawnService,
  startKafkaBroker,
} from '@pipeline/dev-stack';

const root = repoRoot();
const dataDir = process.env.PIPELINE_DATA_DIR ?? join(root, '.data');
const ports = {
  receiver: Number(process.env.RECEIVER_PORT ?? 8080),
  normalizer: Number(process.env.NORMALIZER_PORT ?? 8081),
  writer: Number(process.env.WRITER_PORT ?? 8082),
  kafka: Number(process.env.KAFKA_PORT ?? 19092),
};
const say = (line: string) => process.stdout.write(`[start] ${line}\n`);

let broker: KafkaBroker | undefined;
let brokers = process.env.KAFKA_BROKERS;
if (brokers === undefined || brokers === '') {
  broker = await startKafkaBroker({
    dir: join(dataDir, 'kafka'),
    port: ports.kafka,
    controllerPort: ports.kafka + 1,
    log: say,
  });
  brokers = broker.brokers;
}

const common: NodeJS.ProcessEnv = {
  ...process.env,
  KAFKA_BROKERS: brokers,
  CLICKHOUSE_DATA_DIR: process.env.CLICKHOUSE_DATA_DIR ?? join(dataDir, 'clickhouse'),
};
const services: Record<string, ManagedProcess> = {};
const startService = async (name: 'receiver' | 'normalizer' | 'writer') => {
  const service = await spawnService({
    name,
    port: ports[name],
    env: { ...common, HOST: process.env.HOST ?? '127.0.0.1' },
    logFile: join(dataDir, 'logs', `${name}.log`),
  });
  services[name] = service.process;
};

let stopping = false;
const stopAll = async (code: number) => {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  // Upstream first, so nothing accepted is left without a consumer while it drains.
  for (const name of ['receiver', 'normalizer', 'writer']) await services[name]?.stop(30_000);
  await broker?.stop();
  say('stopped');
  process.exit(code);
};
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function waitReady(name: string, port: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!services[name]!.alive)
      throw new Error(`${name} exited during start; see ${join(dataDir, 'logs', `${name}.log`)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await delay(200);
  }
  throw new Error(
    `${name} was not ready within ${timeoutMs / 1000} s; see ${join(dataDir, 'logs', `${name}.log`)}`,
  );
}

try {
  await startService('writer');
  await startService('normalizer');
  await startService('receiver');
  await Promise.all([
    waitReady('writer', ports.writer),
    waitReady('normalizer', ports.normalizer),
    waitReady('receiver', ports.receiver),
  ]);
} catch (error) {
  say(`start failed: ${(error as Error).message}`);
  await stopAll(1);
}

// Like a supervisor in production: a service that exits on its own (a consumer kafkajs gave up on
// exits so a fresh process resumes from the committed offsets) is started again.
const watch = (name: 'receiver' | 'normalizer' | 'writer') => {
  services[name]!.exited.then(async (code) => {
    if (stopping) return;
    say(`${name} exited (${code}); see ${join(dataDir, 'logs', `${name}.log`)}. Starting it again.`);
    await delay(1000);
    if (stopping) return;
    await startService(name);
    watch(name);
  });
};
for (const name of ['receiver', 'normalizer', 'writer'] as const) watch(name);

const url = `http://127.0.0.1:${ports.receiver}`;
const devCredentials =
  !process.env.BETTERSTACK_SOURCE_TOKENS && !process.env.OPENOBSERVE_USERS && !process.env.CREDENTIALS_FILE;
process.stdout.write(`
Pipeline running.
  Receiver        ${url}   (POST /metrics, POST /api/{org}/ingest/metrics/_json)
  Kafka           ${brokers}
  ClickHouse      ${process.env.CLICKHOUSE_URL ?? `embedded, data in ${common.CLICKHOUSE_DATA_DIR}`}
  Logs            ${join(dataDir, 'logs')}
${
  devCredentials
    ? `
Development credentials (set BETTERSTACK_SOURCE_TOKENS / OPENOBSERVE_USERS for real ones):
  Better Stack source token   dev-source-token        (org "dev")
  OpenObserve user            dev@example.com:dev-password   (org "dev")
`
    : ''
}
Try:
  curl -X POST ${url}/metrics -H "Authorization: Bearer dev-source-token" -H "Content-Type: application/json" -d '{"name":"test_metric","gauge":{"value":123}}'
  npm run query -- "SELECT name, tags.key, tags.value, timestamp_us, value FROM metrics.samples"

Ctrl-C stops everything; the data stays in ${dataDir}.
`);
