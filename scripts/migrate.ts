/** `npm run migrate`: brings the database to the newest schema (the writer also does this at start). */
import { join } from 'node:path';
import { createStoreClient, describeTarget, migrate, type StoreTarget } from '@pipeline/clickhouse-store';
import { repoRoot } from '@pipeline/dev-stack';

const url = process.env.CLICKHOUSE_URL;
const target: StoreTarget =
  url !== undefined && url !== ''
    ? {
        kind: 'server',
        url,
        username: process.env.CLICKHOUSE_USER,
        password: process.env.CLICKHOUSE_PASSWORD,
      }
    : { kind: 'embedded', path: process.env.CLICKHOUSE_DATA_DIR ?? join(repoRoot(), '.data', 'clickhouse') };
const client = createStoreClient(target);
try {
  const { server, applied } = await migrate(client, process.env.CLICKHOUSE_DATABASE ?? 'metrics');
  process.stdout.write(
    `${describeTarget(target)} (${server.version}): ${applied.length === 0 ? 'already up to date' : `applied ${applied.map((m) => `${m.version} ${m.name}`).join(', ')}`}\n`,
  );
} catch (error) {
  process.stderr.write(`migrate failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await client.close();
}
