import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { decompressBody } from './decompress.js';

const MiB = 1024 * 1024;

/** 64 MiB of zeros, gzip-compressed (about 64 KiB). */
async function gzipBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const zeros = Buffer.alloc(MiB);
  for (let i = 0; i < 64; i++) gzip.write(zeros);
  await new Promise((resolve) => gzip.end(resolve));
  return Buffer.concat(chunks);
}

function fakeExchange(encoding: string) {
  const request = { headers: { 'content-encoding': encoding }, log: pino({ level: 'silent' }) };
  const reply = { raw: new EventEmitter() };
  return {
    request: request as unknown as FastifyRequest,
    reply: reply as unknown as FastifyReply,
    answer: () => reply.raw.emit('finish'),
  };
}

describe('decompressBody', () => {
  it('passes identity bodies through untouched', async () => {
    const { request, reply } = fakeExchange('identity');
    const payload = Readable.from([Buffer.from('x')]);
    expect(await decompressBody(request, reply, payload)).toBe(payload);
  });

  it('inflates gzip and tells fastify the encoded length', async () => {
    const { request, reply } = fakeExchange('GZIP');
    const compressed = gzipSync('{"name":"a"}');
    const stream = (await decompressBody(request, reply, Readable.from([compressed]))) as Readable;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('{"name":"a"}');
    expect((stream as unknown as { receivedEncodedLength: number }).receivedEncodedLength).toBe(
      compressed.length,
    );
  });

  it('stops inflating once the answer is sent (a bomb does not keep zlib busy)', async () => {
    const { request, reply, answer } = fakeExchange('gzip');
    const stream = (await decompressBody(request, reply, Readable.from([await gzipBomb()]))) as Readable;
    let inflated = 0;
    stream.on('data', (chunk: Buffer) => {
      inflated += chunk.length;
    });
    const fastifyLike = (chunk: Buffer) => {
      // As fastify does at its limit: stop listening and answer 413.
      if (inflated + chunk.length > MiB) {
        stream.removeListener('data', fastifyLike);
        answer();
      }
    };
    stream.on('data', fastifyLike);
    await new Promise((resolve) => stream.once('close', resolve));
    // Without stopping, all 64 MiB would be inflated after the answer.
    expect(inflated).toBeLessThan(4 * MiB);
    expect(stream.destroyed).toBe(true);
  });

  it('keeps a zlib error that comes after fastify stopped listening from crashing the process', async () => {
    const { request, reply } = fakeExchange('gzip');
    const bomb = await gzipBomb();
    // Truncated: zlib fails with "unexpected end of file" once it reaches the end of the input.
    const stream = (await decompressBody(
      request,
      reply,
      Readable.from([bomb.subarray(0, bomb.length - 32)]),
    )) as Readable;
    let inflated = 0;
    const onData = (chunk: Buffer) => {
      inflated += chunk.length;
      if (inflated > MiB) stream.removeListener('data', onData);
    };
    stream.on('data', onData);
    // An uncaught 'error' would fail this test file; 'close' follows the error.
    await new Promise((resolve) => stream.once('close', resolve));
    expect((stream as unknown as { errored: Error | null }).errored?.message).toBe('unexpected end of file');
  });
});
