import { rawPayloadMessage, readSampleRows } from '@pipeline/kafka-io';
import { decodeSampleRows, SeriesFeed } from '@pipeline/sample-model';
import { readRegistration, TypeRegistry } from '@pipeline/type-registry';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { inflatedChunks, normalizeBatch } from './normalize-batch.js';
import { createNormalizerMetrics } from './normalizer-metrics.js';
import { seriesFeedMessages } from './output-messages.js';

const metrics = createNormalizerMetrics(new Registry());

function rawMessage(records: unknown[] | string, offset: number, org = 'acme') {
  const message = rawPayloadMessage({
    dialect: 'openobserve',
    org,
    source: 'it@example.com',
    format: 'json',
    receivedAtUs: 1_700_000_000_000_000,
    requestId: `request-${offset}`,
    maxAgeUs: 0,
    maxFutureUs: 0,
    maxFieldsPerRecord: 200,
    body: Buffer.from(typeof records === 'string' ? records : JSON.stringify(records)),
  });
  return { value: message.value as Buffer, headers: message.headers, offset: String(offset) };
}

const registrations = (output: ReturnType<typeof normalizeBatch>) =>
  output.registrations.map((m) =>
    readRegistration({ key: Buffer.from(m.key!), value: Buffer.from(m.value as string) }),
  );
const deadLetters = (output: ReturnType<typeof normalizeBatch>) =>
  output.deadLetters.map((m) => JSON.parse(m.value as string) as { reason: string; record: unknown });

describe('normalizeBatch and the type registry', () => {
  const batch = [
    rawMessage([{ __name__: 'cpu', __type__: 'gauge', value: 1 }], 0),
    rawMessage([{ __name__: 'cpu', __type__: 'counter', value: 2 }], 1),
  ];

  it('lets the first type of the batch win and dead-letters the conflict of a later payload', () => {
    const output = normalizeBatch(batch, new TypeRegistry(), 1 << 20, metrics, new SeriesFeed());
    expect(registrations(output)).toEqual([{ org: 'acme', stream: 'cpu', type: 'gauge' }]);
    expect(output.learned).toEqual([{ org: 'acme', stream: 'cpu', type: 'gauge' }]);
    expect(output.samples).toHaveLength(1);
    expect(deadLetters(output).map((d) => d.reason)).toEqual([
      'metric type mismatch: stream cpu is registered as gauge, got counter',
    ]);
  });

  it('does not change the registry: a batch replayed before its outputs were acknowledged registers again', () => {
    const registry = new TypeRegistry();
    const first = normalizeBatch(batch, registry, 1 << 20, metrics, new SeriesFeed());
    expect(registry.get('acme', 'cpu')).toBeUndefined();
    // The produce was abandoned (a rebalance): the replay must write the registration again.
    const replay = normalizeBatch(batch, registry, 1 << 20, metrics, new SeriesFeed());
    expect(registrations(replay)).toEqual(registrations(first));
    expect(replay.learned).toEqual(first.learned);
  });

  it('once the learned types are applied, a replay reaches the same verdicts and registers nothing', () => {
    const registry = new TypeRegistry();
    const first = normalizeBatch(batch, registry, 1 << 20, metrics, new SeriesFeed());
    for (const { org, stream, type } of first.learned) registry.register(org, stream, type);
    const replay = normalizeBatch(batch, registry, 1 << 20, metrics, new SeriesFeed());
    expect(replay.registrations).toEqual([]);
    expect(replay.samples).toEqual(first.samples);
    expect(replay.deadLetters).toEqual(first.deadLetters);
  });

  it('keeps orgs apart', () => {
    const output = normalizeBatch(
      [...batch, rawMessage([{ __name__: 'cpu', __type__: 'counter', value: 3 }], 2, 'globex')],
      new TypeRegistry(),
      1 << 20,
      metrics,
      new SeriesFeed(),
    );
    expect(registrations(output)).toEqual([
      { org: 'acme', stream: 'cpu', type: 'gauge' },
      { org: 'globex', stream: 'cpu', type: 'counter' },
    ]);
  });
});

describe('normalizeBatch and the series feed', () => {
  const rowsOf = (m: { value: Buffer | string; headers?: Record<string, string> }) => {
    const read = readSampleRows({
      value: Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value),
      headers: m.headers,
    });
    if (!read.ok) throw new Error(read.error);
    return { role: read.role, rows: decodeSampleRows(read.rows) };
  };

  it('marks samples as fed separately, and reports each series first and last row as feed messages', () => {
    const feed = new SeriesFeed();
    const record = (value: number, ts: number, host: string) => ({
      __name__: 'cpu',
      __type__: 'gauge',
      host,
      value,
      _timestamp: ts,
    });
    const output = normalizeBatch(
      [
        rawMessage([record(1, 1_700_000_000, 'a'), record(2, 1_700_000_010, 'a')], 0),
        rawMessage([record(3, 1_700_000_005, 'a'), record(4, 1_700_000_005, 'b')], 1),
      ],
      new TypeRegistry(),
      1 << 20,
      metrics,
      feed,
    );
    const samples = output.samples.map(rowsOf);
    expect(samples.map((s) => s.role)).toEqual(['samples', 'samples']);
    const all = samples.flatMap((s) => s.rows);
    expect(all).toHaveLength(4);
    expect(feed.size).toBe(2);
    const report = seriesFeedMessages(feed, 1 << 20);
    expect(report.rows).toBe(3);
    const reported = report.messages.map(rowsOf);
    expect(reported.map((r) => r.role)).toEqual(['feed']);
    // Copies of sample rows: host a's first and last, host b's only one.
    expect(reported[0]!.rows).toEqual([all[0], all[1], all[3]]);
    expect(feed.size).toBe(0);
    expect(seriesFeedMessages(feed, 1 << 20)).toEqual({ messages: [], rows: 0 });
  });
});

describe('normalizeBatch: records read in place or decoded, the same rows', () => {
  const rowsOf = (output: ReturnType<typeof normalizeBatch>) =>
    output.samples.flatMap((m) => {
      const read = readSampleRows({ value: m.value as Buffer, headers: m.headers as Record<string, string> });
      if (!read.ok) throw new Error(read.error);
      return decodeSampleRows(read.rows);
    });
  const betterStack = (records: unknown[], offset: number) => {
    const message = rawPayloadMessage({
      dialect: 'betterstack',
      org: 'acme',
      source: 'web',
      format: 'json',
      receivedAtUs: 1_700_000_000_000_000,
      requestId: `request-${offset}`,
      maxAgeUs: 900_000_000,
      maxFutureUs: 3_600_000_000,
      maxFieldsPerRecord: 200,
      body: Buffer.from(JSON.stringify(records)),
    });
    return { value: message.value as Buffer, headers: message.headers, offset: String(offset) };
  };
  const gauge = (host: string, value: number) => ({ name: 'cpu', gauge: { value }, tags: { host } });

  it('stores a body with a rejected record as one without, and counts the path of each', async () => {
    const registry = new Registry();
    const counted = createNormalizerMetrics(registry);
    const output = normalizeBatch(
      [
        betterStack([gauge('a', 1), gauge('b', 2)], 0),
        betterStack([gauge('a', 3), { name: '', gauge: { value: 9 } }, gauge('b', 4)], 1),
        betterStack([gauge('b', 5), gauge('a', 6)], 2),
      ],
      new TypeRegistry(),
      1 << 20,
      counted,
      new SeriesFeed(),
    );
    const rows = rowsOf(output);
    expect(rows.map((r) => [r['tags.value'][0], r.value])).toEqual([
      ['a', 1],
      ['b', 2],
      ['a', 3],
      ['b', 4],
      ['b', 5],
      ['a', 6],
    ]);
    // The same series whichever path wrote a row.
    const idOf = new Map(rows.map((r) => [r['tags.value'][0], r.series_id]));
    expect(idOf.size).toBe(2);
    for (const r of rows) expect(r.series_id).toBe(idOf.get(r['tags.value'][0]));
    expect(deadLetters(output).map((d) => d.reason)).toEqual([
      'name is required and must be a non-empty string',
    ]);
    const paths = (await registry.getSingleMetric('normalizer_payload_paths_total')!.get()).values;
    expect(paths.map((v) => [v.labels.path, v.value])).toEqual([
      ['shapes', 2],
      ['decoded', 1],
    ]);
  });
});

describe('normalizeBatch and records nested deeper than JSON.stringify recurses', () => {
  const depthOf = (value: unknown) => {
    let n = 0;
    for (let v = value; Array.isArray(v); v = v[0]) n++;
    return n;
  };

  it('dead-letters them whole instead of throwing', () => {
    const depth = 100_000;
    const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const deepObject = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const body = `[{"__name__":"cpu","__type__":"gauge","value":1,"x":${deep}},${deep},${deepObject},{"__name__":"cpu","__type__":"gauge","value":2}]`;
    const output = normalizeBatch(
      [rawMessage(body, 0)],
      new TypeRegistry(),
      1 << 20,
      metrics,
      new SeriesFeed(),
    );
    expect(output.samples).toHaveLength(1);
    const letters = deadLetters(output);
    expect(letters.map((d) => d.reason)).toEqual([
      'label "x" is an array nested too deeply to encode',
      'record must be a JSON object, got array',
      '__name__ is required',
    ]);
    expect(depthOf((letters[0]!.record as { x: unknown }).x)).toBe(depth);
    expect(depthOf(letters[1]!.record)).toBe(depth);
    let level = 0;
    for (
      let v: unknown = letters[2]!.record;
      typeof v === 'object' && v !== null;
      v = (v as { a: unknown }).a
    )
      level++;
    expect(level).toBe(depth);
  });
});

describe('inflatedChunks', () => {
  it('cuts a fetch into runs of bounded inflated size, by the size prefix, never splitting a message', () => {
    const message = (records: number, offset: number) =>
      rawMessage(
        Array.from({ length: records }, () => ({ __name__: 'cpu', __type__: 'gauge', value: 1 })),
        offset,
      );
    const small = message(10, 0);
    const inflated = 2 + 10 * JSON.stringify({ __name__: 'cpu', __type__: 'gauge', value: 1 }).length + 9;
    expect(small.value.length).toBeLessThan(inflated / 3);
    const messages = [small, message(10, 1), message(10, 2), message(400, 3), message(10, 4)];
    const chunks = [...inflatedChunks(messages, inflated * 2)].map((c) => c.map((m) => m.offset));
    expect(chunks).toEqual([['0', '1'], ['2'], ['3'], ['4']]);
  });
});
