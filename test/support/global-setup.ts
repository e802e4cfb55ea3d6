/**
 * Picks the real services the integration tests run against, in this order:
 *   1. KAFKA_BROKERS / CLICKHOUSE_URL from the environment;
 *   2. testcontainers, where a Docker engine answers;
 *   3. local processes: Apache Kafka from Maven Central jars and Debian's clickhouse-server.
 * A service that cannot be had fails the run with the reason; nothing is skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClickHouseServer, startKafkaBroker } from '@pipeline/dev-stack';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    kafkaDescription: string;
    clickhouseUrl: string;
    clickhouseDescription: string;
    /** Set when the harness owns the processes, so fault tests can stop and start them. */
    localKafkaDir: string;
    localClickhouseDir: string;
  }
}

const log = (line: string) => process.stdout.write(`[services] ${line}\n`);

function dockerAnswers(): boolean {
  const result = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
  return result.status === 0;
}

export default async function setup(project: TestProject) {
  const cleanups: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error) => log(`cleanup failed: ${error}`));
  };
  try {
    return await provision(project, cleanups, teardown);
  } catch (error) {
    await teardown();
    throw error;
  }
}

async function provision(
  project: TestProject,
  cleanups: (() => Promise<void>)[],
  teardown: () => Promise<void>,
) {
  const workDir = mkdtempSync(join(tmpdir(), 'pipeline-it-'));
  const docker = dockerAnswers();
  let localKafkaDir = '';
  let localClickhouseDir = '';

  let kafkaBrokers = process.env.KAFKA_BROKERS ?? '';
  let kafkaDescription = `Kafka from KAFKA_BROKERS=${kafkaBrokers}`;
  if (kafkaBrokers === '') {
    if (docker) {
      const { KafkaContainer } = await import('@testcontainers/kafka');
      const container = await new KafkaContainer('apache/kafka:3.9.1').withKraft().start();
      kafkaBrokers = `${container.getHost()}:${container.getMappedPort(9093)}`;
      kafkaDescription = `Kafka 3.9.1 in a testcontainer at ${kafkaBrokers}`;
      cleanups.push(async () => void (await container.stop()));
    } else {
      localKafkaDir = join(workDir, 'kafka');
      const broker = await startKafkaBroker({ dir: localKafkaDir, log });
      kafkaBrokers = broker.brokers;
      kafkaDescription = `Apache Kafka ${broker.version} broker (local process, KRaft) at ${kafkaBrokers}`;
      cleanups.push(() => broker.stop());
    }
  }

  let clickhouseUrl = process.env.CLICKHOUSE_URL ?? '';
  let clickhouseDescription = `ClickHouse server from CLICKHOUSE_URL=${clickhouseUrl}`;
  if (clickhouseUrl === '') {
    if (docker) {
      const { ClickHouseContainer } = await import('@testcontainers/clickhouse');
      const container = await new ClickHouseContainer('clickhouse/clickhouse-server:26.8.15.10').start();
      clickhouseUrl = container.getConnectionUrl();
      clickhouseDescription = `ClickHouse 26.8 in a testcontainer at ${clickhouseUrl}`;
      cleanups.push(async () => void (await container.stop()));
    } else {
      localClickhouseDir = join(workDir, 'clickhouse');
      const server = await startClickHouseServer({ dir: localClickhouseDir, log });
      clickhouseUrl = server.url;
      clickhouseDescription = `ClickHouse server ${server.version} (Debian package, local process) at ${clickhouseUrl}`;
      cleanups.push(() => server.stop());
    }
  }

  log(kafkaDescription);
  log(clickhouseDescription);
  log('embedded ClickHouse: chDB, a data directory per pipeline under test');
  project.provide('kafkaBrokers', kafkaBrokers);
  project.provide('kafkaDescription', kafkaDescription);
  project.provide('clickhouseUrl', clickhouseUrl);
  project.provide('clickhouseDescription', clickhouseDescription);
  project.provide('localKafkaDir', localKafkaDir);
  project.provide('localClickhouseDir', localClickhouseDir);

  return async () => {
    await teardown();
    rmSync(workDir, { recursive: true, force: true });
  };
}
