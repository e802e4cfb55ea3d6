export { isRetriableStoreError } from './errors.js';
export { insertRows } from './insert-rows.js';
export { appliedMigrations, MIGRATIONS, type Migration, migrate } from './migrate.js';
export { type QueryResult, runQuery } from './run-query.js';
export { detectServer, type ServerInfo } from './server-info.js';
export { createStoreClient, describeTarget, type StoreTarget } from './store-target.js';
export { TABLES } from './tables.js';
