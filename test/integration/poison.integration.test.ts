/**
 * A message that can never succeed goes to the dead-letter topic after bounded retries, and the
 * partition moves on: the good messages around it are stored.
 */
import { encodeSampleRow, makeSample } from '@pipeline/sample-model';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { produce, readTopicUntil } from '../support/kafka.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';

describe('poison messages', () => {
  let pipeline: Pipeline;
  const brokers = () => inject('kafkaBrokers');

  beforeAll(async () => {
    pipeline = await startPipeline({
      store: 'server',
      kafkaBrokers: brokers(),
      clickhouseUrl: inject('clickhouseUrl'),
    });
  });
  afterAll(async () => {
    await pipeline?.stop();
  });

  it('the writer dead-letters rows ClickHouse refuses and stores the rows around them', async () => {
    const row = (name: string) =>
      encodeSampleRow(
        'acme',
        makeSample({ name, type: 'gauge', tags: [], timestampUs: Date.now() * 1000, value: 1 }),
      );
    // One partition, so the bad message sits between the good ones in the same insert.
    await produce(brokers(), pipeline.topics.samples, [
      { key: 'k', value: row('poison_before') },
      { key: 'k', value: '{"org":"acme","name":"poison_bad","type":"gauge","series_id":"not a number"' },
      { key: 'k', value: row('poison_after') },
    ]);
    await pipeline.waitForRows(
      "SELECT name FROM metrics.samples WHERE name IN ('poison_before', 'poison_after')",
      (rows) => rows.length === 2,
    );
    const letters = await readTopicUntil<{ stage: string; reason: string; rows: string }>(
      brokers(),
      pipeline.topics.deadLetter,
      (messages) => messages.some((m) => m.stage === 'writer'),
    );
    const letter = letters.find((m) => m.stage === 'writer')!;
    expect(letter.rows).toContain('poison_bad');
    expect(letter.reason.length).toBeGreaterThan(0);
  });

  it('the normalizer dead-letters a raw message it cannot read and goes on', async () => {
    await produce(brokers(), pipeline.topics.raw, [
      { key: null, value: '[]', headers: { dialect: 'graphite', org: 'acme' } },
    ]);
    const letters = await readTopicUntil<{ stage: string; reason: string }>(
      brokers(),
      pipeline.topics.deadLetter,
      (messages) => messages.some((m) => m.stage === 'normalizer' && m.reason.includes('graphite')),
    );
    expect(letters.find((m) => m.reason.includes('graphite'))!.reason).toMatch(
      /header dialect is "graphite", not a known dialect/,
    );
    const response = await fetch(`${pipeline.receiverUrl}/metrics`, {
      method: 'POST',
      headers: { authorization: 'Bearer it-source-token', 'content-type': 'application/json' },
      body: '{"name":"after_poison","gauge":{"value":1}}',
    });
    expect(response.status).toBe(202);
    await pipeline.waitForRows(
      "SELECT name FROM metrics.samples WHERE name = 'after_poison'",
      (rows) => rows.length === 1,
    );
  });
});
