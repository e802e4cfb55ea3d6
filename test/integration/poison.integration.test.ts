/**
 * A message that can never succeed goes to the dead-letter topic after bounded retries, and the
 * partition moves on: the good messages around it are stored.
 */
import { type OutgoingMessage, sampleRowsMessage } from '@pipeline/kafka-io';
import { encodeSampleRows, makeSample } from '@pipeline/sample-model';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { produce, readTopicUntil } from '../support/kafka.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';

const asProduced = (m: OutgoingMessage) => ({
  key: m.key ?? null,
  value: m.value,
  ...(m.headers === undefined ? {} : { headers: m.headers }),
});

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
    const now = Date.now() * 1000;
    const row = (name: string) =>
      encodeSampleRows('acme', [makeSample({ name, type: 'gauge', tags: [], timestampUs: now, value: 1 })]);
    const message = (rows: Buffer) => ({ ...sampleRowsMessage('acme', rows, 1), key: 'k' });
    const feedOnly = (rows: Buffer) => ({ ...sampleRowsMessage('acme', rows, 1, 'feed'), key: 'k' });
    /** TabSeparated from the version before the series feed: no series-feed header. */
    const tsvBeforeFeed = (rows: string) => {
      const m = message(Buffer.from(rows));
      const { 'series-feed': _, ...headers } = m.headers ?? {};
      return { ...m, headers: { ...headers, encoding: 'tsv-v1' } };
    };
    // A type code the Enum8 does not have, in the byte after org and name: ClickHouse would store it.
    const badType = row('poison_bad');
    badType[1 + 'acme'.length + 1 + 'poison_bad'.length] = 9;
    const badTypeMessage = message(badType);
    // Rows cut short, followed by good ones in the same insert.
    const cutRows = row('poison_cut');
    const cutMessage = message(cutRows.subarray(0, cutRows.length - 1));
    const legacy = JSON.stringify({
      org: 'acme',
      name: 'poison_legacy',
      type: 'gauge',
      series_id: 1,
      'tags.key': [],
      'tags.value': [],
      timestamp_us: now,
      value: 1,
      dt_raw: '',
    });
    // One partition, so the bad messages sit between the good ones in the same insert.
    await produce(
      brokers(),
      pipeline.topics.samples,
      [
        message(row('poison_before')),
        badTypeMessage,
        cutMessage,
        message(row('poison_after_cut')),
        { ...message(row('poison_unreadable')), value: Buffer.from('not lz4 at all') },
        // A message of an earlier version, uncompressed JSONEachRow: still stored.
        { key: 'k', value: `${legacy}\n`, headers: { encoding: 'jsoneachrow-v1', org: 'acme' } },
        tsvBeforeFeed(`acme\tpoison_tsv_before_feed\tgauge\t7\t[]\t[]\t${now}\t1\t\n`),
        // Refused by sample_rows: dead-lettered once, not tried again on series_feed.
        tsvBeforeFeed('acme\tpoison_bad_before_feed\tgauge\tnot a number\t[]\t[]\t1\t1\t\n'),
        feedOnly(row('poison_feed_only')),
        message(row('poison_after')),
      ].map(asProduced),
    );
    await pipeline.waitForRows(
      "SELECT name FROM metrics.samples WHERE name LIKE 'poison%' ORDER BY name",
      (rows) => rows.length === 5,
    );
    // Samples of the feed's version reach sample_rows only; the feed's rows reach series only; the
    // rows of earlier versions reach both.
    expect(
      await pipeline.query("SELECT name FROM metrics.samples WHERE name LIKE 'poison%' ORDER BY name"),
    ).toEqual([
      { name: 'poison_after' },
      { name: 'poison_after_cut' },
      { name: 'poison_before' },
      { name: 'poison_legacy' },
      { name: 'poison_tsv_before_feed' },
    ]);
    const series = await pipeline.waitForRows(
      "SELECT DISTINCT name FROM metrics.series WHERE name LIKE 'poison%' ORDER BY name",
      (rows) => rows.length >= 3,
    );
    expect(series).toEqual([
      { name: 'poison_feed_only' },
      { name: 'poison_legacy' },
      { name: 'poison_tsv_before_feed' },
    ]);
    const letters = await readTopicUntil<{
      stage: string;
      reason: string;
      format?: string;
      rows?: string;
      rowsBase64?: string;
      valueBase64?: string;
    }>(
      brokers(),
      pipeline.topics.deadLetter,
      (messages) => messages.filter((m) => m.stage === 'writer').length >= 4,
    );
    const writerLetters = letters.filter((m) => m.stage === 'writer');
    const tsvRefused = writerLetters.filter((m) => m.rows?.includes('poison_bad_before_feed'));
    expect(tsvRefused).toMatchObject([{ format: 'TabSeparated' }]);
    expect(tsvRefused[0]!.reason).toMatch(/Code: 27|Cannot parse/);
    // Binary rows the writer cannot vouch for are dead-lettered before they join an insert, where
    // a cut one would shift every row after it: the message's bytes, as they came.
    const unvouched = (problem: string) => writerLetters.filter((m) => m.reason.includes(problem));
    expect(unvouched("row 1: type code 9 is not one of the Enum8's")).toMatchObject([
      { valueBase64: (badTypeMessage.value as Buffer).toString('base64') },
    ]);
    expect(unvouched('row 1: dt_raw runs past the end of the rows')).toMatchObject([
      { valueBase64: (cutMessage.value as Buffer).toString('base64') },
    ]);
    const unreadable = unvouched('LZ4 body')[0]!;
    expect(Buffer.from(unreadable.valueBase64!, 'base64').toString()).toBe('not lz4 at all');
    expect(unreadable.reason).toMatch(/^unreadable samples message: LZ4 body/);
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
