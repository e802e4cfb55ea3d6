import { encodeSampleRows, makeSample } from '@pipeline/sample-model';
import { describe, expect, it } from 'vitest';
import { readSampleRows, sampleRowsMessage } from './sample-rows.js';

const asReceived = (m: ReturnType<typeof sampleRowsMessage>) => ({
  value: Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value),
  headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
});

const ROWS = encodeSampleRows(
  'acme',
  Array.from({ length: 100 }, (_, i) =>
    makeSample({ name: 'cpu', type: 'gauge', tags: [], timestampUs: i, value: 1 }),
  ),
);

describe('samples messages', () => {
  it('carry RowBinary rows compressed, with their count, and read back as an INSERT body', () => {
    const message = asReceived(sampleRowsMessage('acme', ROWS, 100));
    expect(message.value.length).toBeLessThan(ROWS.length / 4);
    expect(message.headers.org?.toString()).toBe('acme');
    expect(readSampleRows(message)).toEqual({
      ok: true,
      format: 'RowBinary',
      rows: ROWS,
      count: 100,
      role: 'samples',
    });
  });

  it('say whether their rows are samples or the series feed; a message of an earlier version is both', () => {
    const feed = asReceived(sampleRowsMessage('acme', ROWS, 100, 'feed'));
    expect(feed.headers['series-feed']?.toString()).toBe('only');
    expect(readSampleRows(feed)).toMatchObject({ ok: true, role: 'feed', count: 100 });
    const samples = asReceived(sampleRowsMessage('acme', ROWS, 100));
    expect(samples.headers['series-feed']?.toString()).toBe('separate');
    delete samples.headers['series-feed'];
    expect(readSampleRows(samples)).toMatchObject({ ok: true, role: 'both', rows: ROWS });
  });

  it('read TabSeparated messages of earlier versions, counted or not', () => {
    const tsv = Buffer.from('acme\tcpu\tgauge\t1\t[]\t[]\t5\t1\t\n');
    const message = asReceived(sampleRowsMessage('acme', tsv, 1));
    message.headers.encoding = Buffer.from('tsv-v1');
    expect(readSampleRows(message)).toEqual({
      ok: true,
      format: 'TabSeparated',
      rows: tsv,
      count: 1,
      role: 'samples',
    });
    delete message.headers.rows;
    expect(readSampleRows(message)).toMatchObject({ ok: true, format: 'TabSeparated', count: undefined });
  });

  it('read messages of earlier versions: uncompressed JSONEachRow, with or without the header', () => {
    const row = Buffer.from('{"org":"a"}\n');
    const expected = { ok: true, format: 'JSONEachRow', rows: row, count: undefined, role: 'both' };
    expect(readSampleRows({ value: row, headers: { encoding: Buffer.from('jsoneachrow-v1') } })).toEqual(
      expected,
    );
    expect(readSampleRows({ value: row })).toEqual(expected);
  });

  it.each([
    [{ encoding: 'csv' }, 'header encoding is "csv", not rowbinary-v1, tsv-v1, jsoneachrow-v1'],
    [{ rows: 'many' }, 'header rows is "many", not a row count'],
    [{ compression: 'gzip' }, 'header compression is "gzip", not lz4'],
    [{ 'series-feed': 'sometimes' }, 'header series-feed is "sometimes", not separate or only'],
  ])('name what is wrong with a message that is not one (%j)', (override, error) => {
    const message = asReceived(sampleRowsMessage('acme', ROWS, 100));
    for (const [k, v] of Object.entries(override)) message.headers[k] = Buffer.from(v);
    expect(readSampleRows(message)).toEqual({ ok: false, error });
  });

  it('refuse RowBinary without its count, which only reading every row could recover', () => {
    const message = asReceived(sampleRowsMessage('acme', ROWS, 100));
    delete message.headers.rows;
    expect(readSampleRows(message)).toEqual({
      ok: false,
      error: 'header rows is missing; rowbinary-v1 rows are counted by it',
    });
  });

  it('refuse RowBinary that is not as many whole rows as the header says, naming where it breaks', () => {
    const cut = asReceived(sampleRowsMessage('acme', ROWS.subarray(0, ROWS.length - 1), 100));
    expect(readSampleRows(cut)).toEqual({
      ok: false,
      error: 'rowbinary-v1 rows: row 100: dt_raw runs past the end of the rows',
    });
    expect(readSampleRows(asReceived(sampleRowsMessage('acme', ROWS, 99)))).toEqual({
      ok: false,
      error: 'rowbinary-v1 rows: holds 100 rows, not the 99 its header says',
    });
  });

  it('report a body that does not inflate', () => {
    const message = asReceived(sampleRowsMessage('acme', ROWS, 100));
    expect(readSampleRows({ ...message, value: message.value.subarray(0, 10) })).toEqual({
      ok: false,
      error: expect.stringMatching(/^LZ4 body/),
    });
  });
});
