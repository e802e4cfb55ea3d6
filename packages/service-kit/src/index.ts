export { createLogger } from './logger.js';
export { createMetricsRegistry, type MetricsRegistry } from './metrics-registry.js';
export { type OpsServer, type ReadinessCheck, registerOpsRoutes, startOpsServer } from './ops-routes.js';
export { runService } from './run-service.js';
export { onShutdownSignal } from './shutdown.js';
