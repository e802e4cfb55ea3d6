export {
  type ClickHouseServer,
  type ClickHouseServerOptions,
  ensureClickHouseServerBinary,
  startClickHouseServer,
} from './clickhouse-server.js';
export { type KafkaBroker, type KafkaBrokerOptions, startKafkaBroker } from './kafka-broker.js';
export { ensureKafkaJars, KAFKA_VERSION } from './kafka-jars.js';
export { ManagedProcess, type ManagedProcessOptions } from './managed-process.js';
export { cacheDir, repoRoot } from './paths.js';
export { freePort, isPortOpen, waitForPort } from './ports.js';
export {
  SERVICE_NODE_FLAGS,
  type ServiceName,
  type ServiceProcess,
  type ServiceProcessOptions,
  spawnService,
  tailLog,
  waitForServiceReady,
} from './service-process.js';
export {
  ensureVictoriaMetricsBinary,
  startVictoriaMetrics,
  type VictoriaMetrics,
  type VictoriaMetricsOptions,
} from './victoria-metrics.js';
