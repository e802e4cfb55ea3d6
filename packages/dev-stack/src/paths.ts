import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root: the nearest ancestor with turbo.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'turbo.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('dev-stack: cannot find the repository root (no turbo.json above this file)');
    dir = parent;
  }
  return dir;
}

/** Downloads that later runs reuse (Kafka jars). Git-ignored. */
export function cacheDir(): string {
  return process.env.PIPELINE_CACHE_DIR ?? join(repoRoot(), '.cache');
}

export const devStackDir = (): string => join(repoRoot(), 'packages', 'dev-stack');
