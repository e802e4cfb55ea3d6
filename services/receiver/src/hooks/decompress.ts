import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyRequest } from 'fastify';

/**
 * preParsing hook: gzip and deflate bodies are inflated as they stream in. Fastify counts the
 * bytes of the stream returned here against the route's bodyLimit, so the 20 MiB limit holds
 * after decompression and a small gzip bomb is stopped at the limit instead of filling memory.
 */
export async function decompressBody(
  request: FastifyRequest,
  _reply: unknown,
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
  return payload.pipe(inflater);
}
