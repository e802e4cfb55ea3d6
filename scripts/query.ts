/**
 * `npm run query -- "SELECT …"`: reads the stored samples. With CLICKHOUSE_URL it asks that
 * server; otherwise the running writer (it owns the embedded data directory); with no writer
 * running it opens the embedded data directory itself. Add --json for one JSON row per line.
 */
import { join } from 'node:path';
import { createStoreClient, runQuery } from '@pipeline/clickhouse-store';
import { repoRoot } from '@pipeline/dev-stack';

const args = process.argv.slice(2);
const json = args.includes('--json');
const sql = args
  .filter((a) => a !== '--json')
  .join(' ')
  .trim();
if (sql === '') {
  process.stderr.write('usage: npm run query -- "SELECT … FROM metrics.samples" [--json]\n');
  process.exit(2);
}

async function rows(): Promise<Record<string, unknown>[]> {
  const url = process.env.CLICKHOUSE_URL;
  if (url !== undefined && url !== '') {
    const client = await createStoreClient({
      kind: 'server',
      url,
      username: process.env.CLICKHOUSE_USER,
      password: process.env.CLICKHOUSE_PASSWORD,
    });
    try {
      return (await runQuery(client, sql)).rows;
    } finally {
      await client.close();
    }
  }
  const writer = `http://127.0.0.1:${process.env.WRITER_PORT ?? 8082}/query`;
  let response: Response | undefined;
  try {
    response = await fetch(writer, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: sql });
  } catch {
    response = undefined; // no writer running: read the data directory directly
  }
  if (response !== undefined) {
    const body = (await response.json()) as { rows?: Record<string, unknown>[]; error?: string };
    if (!response.ok) throw new Error(body.error ?? `writer answered ${response.status}`);
    return body.rows ?? [];
  }
  const path = process.env.CLICKHOUSE_DATA_DIR ?? join(repoRoot(), '.data', 'clickhouse');
  const client = await createStoreClient({ kind: 'embedded', path });
  try {
    return (await runQuery(client, sql)).rows;
  } finally {
    await client.close();
  }
}

try {
  const result = await rows();
  if (json) for (const row of result) process.stdout.write(`${JSON.stringify(row)}\n`);
  else if (result.length === 0) process.stdout.write('(no rows)\n');
  else
    console.table(
      result.map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.isArray(v) ? JSON.stringify(v) : v])),
      ),
    );
} catch (error) {
  process.stderr.write(`query failed: ${(error as Error).message}\n`);
  process.exit(1);
}
