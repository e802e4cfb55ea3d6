import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * preParsing hook: gzip and deflate bodies are inflated as they stream in. Fastify counts the
 * bytes of the stream returned here against the route's bodyLimit, so the 20 MiB limit holds
 * after decompression and a small gzip bomb is stopped at the limit instead of filling memory.
 */
export async function decompressBody(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: NodeJS.ReadableStream,
) {
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity') return payload;
  if (encoding !== 'gzip' && encoding !== 'x-gzip' && encoding !== 'deflate') {
    throw Object.assign(
      new Error(`unsupported Content-Encoding ${JSON.stringify(encoding)} (gzip, deflate)`),
      {
        statusCode: 415,
        code: 'UNSUPPORTED_CONTENT_ENCODING',
      },
    );
  }
  const inflater = encoding === 'deflate' ? createInflate() : createGunzip();
  // Fastify compares this with Content-Length, which describes the compressed bytes.
  let encoded = 0;
  payload.on('data', (chunk: Buffer) => {
    encoded += chunk.length;
    (inflater as unknown as { receivedEncodedLength: number }).receivedEncodedLength = encoded;
  });
  payload.on('error', (error) => inflater.destroy(error));
  // Fastify stops listening to the stream once it has refused the body (413 at the limit). From
  // then on, a zlib error (a truncated or corrupt tail) would have no listener and crash the
  // process; fastify hears the errors that come while it still reads, through its own listener.
  inflater.on('error', (error) => request.log.debug({ err: error }, 'inflating the body failed'));
  // Once the answer is sent the rest of the body is useless: stop inflating it (a bomb would
  // otherwise keep a zlib thread busy with gigabytes nobody reads) and drain the compressed bytes.
  const stop = () => {
    if (inflater.readableEnded || inflater.destroyed) return;
    payload.unpipe(inflater);
    inflater.destroy();
    payload.resume();
  };
  reply.raw.once('finish', stop);
  reply.raw.once('close', stop);
  return payload.pipe(inflater);
}
