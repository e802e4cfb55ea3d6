export { type StoreTarget, createStoreClient, describeTarget } from './store-target.js';
export { detectServer, type ServerInfo } from './server-info.js';
export { migrate, appliedMigrations, MIGRATIONS, type Migration } from './migrate.js';
export { TABLES } from './tables.js';
export { insertRows } from './insert-rows.js';
export { runQuery, type QueryResult } from './run-query.js';
export { isRetriableStoreError } from './errors.js';
