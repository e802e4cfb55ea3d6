export { isRetriableStoreError } from './errors.js';
export { insertRows, type RowFormat } from './insert-rows.js';
export { appliedMigrations, MIGRATIONS, type Migration, migrate, type Statement } from './migrate.js';
export {
  applyRetention,
  expiredPartitions,
  RETENTION_TABLES,
  type RetentionResult,
  ttlClause,
  ttlStatements,
} from './retention.js';
export { type QueryResult, runQuery } from './run-query.js';
export { detectServer, type ServerInfo } from './server-info.js';
export { createStoreClient, describeTarget, type StoreTarget } from './store-target.js';
export { TABLES } from './tables.js';
