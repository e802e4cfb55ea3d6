import type { PendingMessage } from './insert-batch.js';

/**
 * The dead letter of a samples message, as JSON: its rows as they were to be inserted (binary ones
 * in base64, which as text would not survive), or the message's bytes as they came when its rows
 * could not even be read. Either way the samples can be recovered from it.
 */
export function writerDeadLetter(message: PendingMessage, reason: string): string {
  const { rows } = message;
  return JSON.stringify({
    stage: 'writer',
    reason,
    partition: message.partition,
    offset: message.offset,
    ...(!rows.ok
      ? { valueBase64: message.value.toString('base64') }
      : rows.format === 'RowBinary'
        ? { format: rows.format, rowsBase64: rows.rows.toString('base64') }
        : { format: rows.format, rows: rows.rows.toString('utf8') }),
  });
}
