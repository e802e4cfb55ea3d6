export { createLogger } from './logger.js';
export { createMetricsRegistry, type MetricsRegistry } from './metrics-registry.js';
export { registerOpsRoutes, startOpsServer, type ReadinessCheck, type OpsServer } from './ops-routes.js';
export { onShutdownSignal } from './shutdown.js';
export { runService } from './run-service.js';
