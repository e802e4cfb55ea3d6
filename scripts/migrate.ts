/**
 * `npm run migrate`: brings the database to the newest schema (the writer also does this at start).
 * With RETENTION_DAYS set it also applies that retention, as the writer does at start.
 */
import { join } from 'node:path';
import {
  applyRetention,
  createStoreClient,
  describeTarget,
  migrate,
  type StoreTarget,
} from '@pipeline/clickhouse-store';
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
const database = process.env.CLICKHOUSE_DATABASE || 'metrics';
const retention = process.env.RETENTION_DAYS ?? '';
const client = await createStoreClient(target);
try {
  if (retention !== '' && !/^\d+$/.test(retention))
    throw new Error(`RETENTION_DAYS must be a whole number of days, got ${JSON.stringify(retention)}`);
  const { server, applied, skipped } = await migrate(client, database);
  const list = (ms: readonly { version: number; name: string }[]) =>
    ms.map((m) => `${m.version} ${m.name}`).join(', ');
  process.stdout.write(
    `${describeTarget(target)} (${server.version}): ${applied.length === 0 ? 'already up to date' : `applied ${list(applied)}`}\n`,
  );
  if (skipped.length > 0)
    process.stdout.write(`not for this server version (run when it is upgraded): ${list(skipped)}\n`);
  if (retention !== '') {
    const { mode, statements } = await applyRetention(client, database, server, Number(retention));
    process.stdout.write(
      `retention ${retention} days (${mode}): ${statements.length === 0 ? 'nothing to change' : statements.join('; ')}\n`,
    );
  }
} catch (error) {
  process.stderr.write(`migrate failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await client.close();
}
