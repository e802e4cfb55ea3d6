import { readSampleRows, sampleRowsMessage } from '@pipeline/kafka-io';
import { decodeSampleRows, encodeSampleRows, makeSample } from '@pipeline/sample-model';
import { describe, expect, it } from 'vitest';
import { writerDeadLetter } from './dead-letter.js';

const rows = encodeSampleRows('acme', [
  // Bytes that are not UTF-8 text: a float's and a timestamp's.
  makeSample({
    name: 'cpu',
    type: 'gauge',
    tags: [['host', 'é']],
    timestampUs: 1_700_000_000_000_001,
    value: 0.1,
  }),
]);
const received = (headers: Record<string, string>, value: Buffer) => ({
  value,
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
});

describe('writerDeadLetter', () => {
  it('keeps RowBinary rows byte for byte, in base64', () => {
    const message = sampleRowsMessage('acme', rows, 1);
    const letter = JSON.parse(
      writerDeadLetter(
        {
          partition: 3,
          offset: '42',
          value: message.value as Buffer,
          rows: readSampleRows(received(message.headers!, message.value as Buffer)),
        },
        'refused',
      ),
    );
    expect(letter).toEqual({
      stage: 'writer',
      reason: 'refused',
      partition: 3,
      offset: '42',
      format: 'RowBinary',
      rowsBase64: rows.toString('base64'),
    });
    expect(decodeSampleRows(Buffer.from(letter.rowsBase64, 'base64'))).toMatchObject([
      { name: 'cpu', value: 0.1 },
    ]);
  });

  it('keeps text rows of earlier versions as text', () => {
    const tsv = Buffer.from('acme\tcpu\tgauge\t1\t[]\t[]\t5\t1\t\n');
    const letter = JSON.parse(
      writerDeadLetter(
        {
          partition: 0,
          offset: '1',
          value: tsv,
          rows: readSampleRows(received({ encoding: 'tsv-v1', 'series-feed': 'separate' }, tsv)),
        },
        'refused',
      ),
    );
    expect(letter).toMatchObject({ format: 'TabSeparated', rows: tsv.toString() });
  });

  it('keeps the bytes of a message whose rows cannot be read, as they came', () => {
    const value = Buffer.from([0xff, 0x00, 0xfe]);
    const letter = JSON.parse(
      writerDeadLetter(
        { partition: 0, offset: '7', value, rows: { ok: false, error: 'LZ4 body' } },
        'unreadable',
      ),
    );
    expect(letter).toMatchObject({ reason: 'unreadable', valueBase64: value.toString('base64') });
    expect(letter.rows).toBeUndefined();
  });
});
