import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, devStackDir } from './paths.js';

export const KAFKA_VERSION = '3.9.1';

/**
 * Fetches Apache Kafka's jars from Maven Central once into the cache and returns the folder.
 * A marker file is written last, so an interrupted download is redone instead of half-used.
 */
export function ensureKafkaJars(log: (line: string) => void = () => {}): string {
  const libs = join(cacheDir(), `kafka-${KAFKA_VERSION}`, 'libs');
  const marker = join(libs, '.complete');
  if (existsSync(marker)) return libs;
  mkdirSync(libs, { recursive: true });
  log(`fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${libs} (once)`);
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(devStackDir(), 'kafka', 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.error !== undefined) {
    throw new Error(
      `dev-stack: cannot run Maven (${result.error.message}); install it (apt-get install maven) and a JDK 17+`,
    );
  }
  if (result.status !== 0) {
    throw new Error(
      `dev-stack: Maven could not fetch the Kafka jars (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  if (!readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) {
    throw new Error(`dev-stack: Maven finished but ${libs} has no kafka_2.13 jar`);
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return libs;
}
