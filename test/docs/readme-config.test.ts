import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@pipeline/dev-stack';
import { loadNormalizerConfig } from '@pipeline/normalizer/config';
import { loadReceiverConfig } from '@pipeline/receiver/config';
import { loadWriterConfig } from '@pipeline/writer/config';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
const documented = new Set(
  [...readme.matchAll(/^\|\s*([^|]+?)\s*\|/gm)].flatMap((m) =>
    [...m[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((v) => v[1]!),
  ),
);

describe('README configuration table', () => {
  it.each([
    ['receiver', () => loadReceiverConfig({}).variables],
    ['normalizer', () => loadNormalizerConfig({}).variables],
    ['writer', () => loadWriterConfig({}).variables],
  ])('documents every variable the %s reads', (_service, variables) => {
    const missing = [...variables()].filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });

  it('documents no variable that nothing reads', () => {
    const read = new Set([
      ...loadReceiverConfig({}).variables,
      ...loadNormalizerConfig({}).variables,
      ...loadWriterConfig({}).variables,
      // read outside the service configs: logger, npm start, dev-stack
      'LOG_LEVEL',
      'RECEIVER_PORT',
      'NORMALIZER_PORT',
      'WRITER_PORT',
      'KAFKA_PORT',
      'PIPELINE_DATA_DIR',
      'PIPELINE_CACHE_DIR',
    ]);
    expect([...documented].filter((name) => !read.has(name))).toEqual([]);
  });
});
