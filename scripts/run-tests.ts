/**
 * Runs every test (unit and integration) in one vitest run and ends with a plain
 * "N passed, M failed" line for CI logs. Exits with vitest's code.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const results = join(root, '.cache', 'test-results.json');
mkdirSync(join(root, '.cache'), { recursive: true });
const run = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${results}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', cwd: root },
);
try {
  const summary = JSON.parse(readFileSync(results, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
  };
  process.stdout.write(`\ntests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed\n`);
} catch {
  process.stdout.write('\ntests: no results were written\n');
}
process.exit(run.status ?? 1);
