/**
 * Runs the three services as real processes (as `npm start` and production do) against the
 * services the global setup picked, isolated by a topic prefix and their own database or data
 * directory, so test files never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { createStoreClient, runQuery } from '@pipeline/clickhouse-store';
import { type ManagedProcess, spawnService, tailLog, waitForServiceReady } from '@pipeline/dev-stack';
import { type TopicNames, topicNames } from '@pipeline/kafka-io';

export type StoreMode = 'embedded' | 'server';
export type ServiceName = 'receiver' | 'normalizer' | 'writer';

export const TEST_CREDENTIALS = {
  betterstack: { token: 'it-source-token', org: 'acme', source: 'it' },
  betterstackOther: { token: 'it-other-token', org: 'globex', source: 'it2' },
  openobserve: { user: 'it@example.com', password: 'it-password', org: 'acme' },
  openobserveOther: { user: 'other@example.com', password: 'other-password', org: 'globex' },
} as const;

export interface PipelineOptions {
  readonly store: StoreMode;
  readonly kafkaBrokers: string;
  readonly clickhouseUrl?: string;
  readonly receivers?: number;
  readonly normalizers?: number;
  readonly writers?: number;
  /** Extra settings for every service (e.g. MAX_SAMPLE_AGE_SECONDS=0). */
  readonly env?: Record<string, string>;
}

interface Instance {
  readonly name: ServiceName;
  readonly port: number;
  process: ManagedProcess;
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
}

export class Pipeline {
  readonly id = randomBytes(4).toString('hex');
  readonly prefix = `it-${this.id}.`;
  readonly database = `it_${this.id}`;
  readonly topics: TopicNames = topicNames(this.prefix);
  readonly dir = mkdtempSync(join(tmpdir(), `pipeline-${this.id}-`));
  readonly instances: Instance[] = [];
  #client: ClickHouseClient | undefined;

  constructor(readonly options: PipelineOptions) {}

  get receiverUrl(): string {
    return this.url('receiver', 0);
  }

  url(name: ServiceName, index = 0): string {
    const instance = this.instances.filter((i) => i.name === name)[index];
    if (instance === undefined) throw new Error(`no ${name} #${index}`);
    return `http://127.0.0.1:${instance.port}`;
  }

  baseEnv(): NodeJS.ProcessEnv {
    const { betterstack, betterstackOther, openobserve, openobserveOther } = TEST_CREDENTIALS;
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      KAFKA_BROKERS: this.options.kafkaBrokers,
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_TOPIC_PARTITIONS: '4',
      CLICKHOUSE_DATABASE: this.database,
      ...(this.options.store === 'server'
        ? { CLICKHOUSE_URL: this.options.clickhouseUrl }
        : { CLICKHOUSE_DATA_DIR: join(this.dir, 'clickhouse') }),
      BETTERSTACK_SOURCE_TOKENS: `${betterstack.token}=${betterstack.org}/${betterstack.source},${betterstackOther.token}=${betterstackOther.org}/${betterstackOther.source}`,
      OPENOBSERVE_USERS: `${openobserve.user}:${openobserve.password}@${openobserve.org},${openobserveOther.user}:${openobserveOther.password}@${openobserveOther.org}`,
      WRITER_BATCH_MAX_AGE_MS: '200',
      NORMALIZER_SERIES_FEED_INTERVAL_MS: '200',
      ...this.options.env,
    };
  }

  async #spawn(name: ServiceName, index: number, env: NodeJS.ProcessEnv, port?: number): Promise<Instance> {
    const service = await spawnService({
      name,
      env,
      ...(port === undefined ? {} : { port }),
      logFile: join(this.dir, 'logs', `${name}-${index}.log`),
    });
    return { name, port: service.port, env, logFile: service.logFile, process: service.process };
  }

  async start(): Promise<this> {
    const counts: [ServiceName, number][] = [
      ['writer', this.options.writers ?? 1],
      ['normalizer', this.options.normalizers ?? 1],
      ['receiver', this.options.receivers ?? 1],
    ];
    for (const [name, count] of counts) {
      for (let i = 0; i < count; i++) this.instances.push(await this.#spawn(name, i, this.baseEnv()));
      // The writer creates the schema, so it goes first; topics are created by whoever starts first.
      await Promise.all(this.instances.filter((x) => x.name === name).map((x) => this.#waitReady(x)));
    }
    return this;
  }

  async #waitReady(instance: Instance, timeoutMs = 120_000): Promise<void> {
    await waitForServiceReady(instance, timeoutMs);
  }

  tail(instance: Instance, lines = 40): string {
    return tailLog(instance.logFile, lines);
  }

  instance(name: ServiceName, index = 0): Instance {
    const instance = this.instances.filter((i) => i.name === name)[index];
    if (instance === undefined) throw new Error(`no ${name} #${index}`);
    return instance;
  }

  /** kill -9 of one service process. */
  async kill(name: ServiceName, index = 0): Promise<void> {
    await this.instance(name, index).process.kill();
  }

  /** Starts a stopped or killed service again, on the same port with the same settings. */
  async restart(name: ServiceName, index = 0): Promise<void> {
    const old = this.instance(name, index);
    await old.process.stop();
    const fresh = await this.#spawn(name, index, old.env, old.port);
    old.process = fresh.process;
    await this.#waitReady(old);
  }

  /** Rows of a query on the stored data, as users see them. */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const text = sql.replaceAll('metrics.', `${this.database}.`);
    if (this.options.store === 'server') {
      this.#client ??= await createStoreClient({ kind: 'server', url: this.options.clickhouseUrl! });
      return (await runQuery(this.#client, text)).rows;
    }
    // The embedded data directory belongs to the writer's process: ask it.
    const response = await fetch(`${this.url('writer', 0)}/query`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: text,
    });
    const body = (await response.json()) as { rows?: Record<string, unknown>[]; error?: string };
    if (!response.ok) throw new Error(`query failed: ${body.error}`);
    return body.rows ?? [];
  }

  /** Polls a query until `done` holds for its rows; fails with the last rows seen. */
  async waitForRows(
    sql: string,
    done: (rows: Record<string, unknown>[]) => boolean,
    timeoutMs = 30_000,
  ): Promise<Record<string, unknown>[]> {
    const deadline = Date.now() + timeoutMs;
    let rows: Record<string, unknown>[] = [];
    while (Date.now() < deadline) {
      rows = await this.query(sql);
      if (done(rows)) return rows;
      await delay(150);
    }
    throw new Error(
      `rows of ${JSON.stringify(sql)} never matched within ${timeoutMs} ms; last: ${JSON.stringify(rows).slice(0, 2000)}`,
    );
  }

  async stop(): Promise<void> {
    for (const name of ['receiver', 'normalizer', 'writer'] as const) {
      await Promise.all(this.instances.filter((i) => i.name === name).map((i) => i.process.stop(20_000)));
    }
    await this.#client?.close();
    if (process.env.KEEP_PIPELINE_DIRS === undefined) rmSync(this.dir, { recursive: true, force: true });
    else process.stdout.write(`[it] pipeline files kept in ${this.dir}\n`);
  }
}

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const pipeline = new Pipeline(options);
  try {
    return await pipeline.start();
  } catch (error) {
    await pipeline.stop().catch(() => {});
    throw error;
  }
}
