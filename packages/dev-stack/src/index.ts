export { freePort, waitForPort, isPortOpen } from './ports.js';
export { ensureKafkaJars, KAFKA_VERSION } from './kafka-jars.js';
export { startKafkaBroker, type KafkaBroker, type KafkaBrokerOptions } from './kafka-broker.js';
export {
  ensureClickHouseServerBinary,
  startClickHouseServer,
  type ClickHouseServer,
  type ClickHouseServerOptions,
} from './clickhouse-server.js';
export { repoRoot, cacheDir } from './paths.js';
export { ManagedProcess, type ManagedProcessOptions } from './managed-process.js';
