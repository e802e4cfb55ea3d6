import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Bytes of request bodies a receiver holds at once. A body is admitted before it is read: while
 * the budget is spent, a request waits (its bytes stay in the kernel's socket buffers, and TCP
 * slows the client down) until earlier bodies are answered, first come first served; after
 * `timeoutMs` it is refused with 503 and Retry-After. So 16 concurrent 20 MiB uploads cost the
 * budget, not 16 × 20 MiB and their copies, and none of them is refused for the work of the others.
 */
export class BodyBudget {
  #used = 0;
  readonly #waiting: { bytes: number; admit: () => void }[] = [];

  constructor(readonly capacity: number) {}

  get used(): number {
    return this.#used;
  }

  /** Resolves with the function that gives the bytes back, or with undefined after timeoutMs. */
  acquire(bytes: number, timeoutMs: number): Promise<(() => void) | undefined> {
    const amount = Math.min(bytes, this.capacity);
    if (this.#waiting.length === 0 && this.#used + amount <= this.capacity) {
      this.#used += amount;
      return Promise.resolve(this.#releaser(amount));
    }
    return new Promise((resolve) => {
      const entry = {
        bytes: amount,
        admit: () => {
          clearTimeout(timer);
          resolve(this.#releaser(amount));
        },
      };
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(entry), 1);
        resolve(undefined);
        // The head may have been the one that did not fit.
        this.#admitWaiting();
      }, timeoutMs);
      this.#waiting.push(entry);
    });
  }

  #releaser(amount: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used -= amount;
      this.#admitWaiting();
    };
  }

  #admitWaiting(): void {
    while (this.#waiting.length > 0 && this.#used + this.#waiting[0]!.bytes <= this.capacity) {
      const next = this.#waiting.shift()!;
      this.#used += next.bytes;
      next.admit();
    }
  }
}

/**
 * What a body will hold once read: its Content-Length when it is sent as it is; a compressed body
 * inflates to an unknown size (at most maxBodyBytes), taken as 32 times its compressed size, which
 * covers what metrics JSON compresses to; without a length, the most it may be.
 */
export function expectedBodyBytes(request: FastifyRequest, maxBodyBytes: number): number {
  const length = Number(request.headers['content-length']);
  if (!Number.isFinite(length) || length < 0) return maxBodyBytes;
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  const plain = encoding === undefined || encoding === '' || encoding === 'identity';
  return Math.min(maxBodyBytes, plain ? length : length * 32);
}

/** The refusal of a body that was not admitted in time; each dialect's error handler answers it 503. */
export const BUSY = 'RECEIVER_BUSY';

/** preParsing hook: waits for the body's share of the budget; refuses (BUSY) when it does not come in time. */
export function admissionHook(budget: BodyBudget, options: { maxBodyBytes: number; timeoutMs: number }) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: NodeJS.ReadableStream) => {
    const release = await budget.acquire(expectedBodyBytes(request, options.maxBodyBytes), options.timeoutMs);
    if (release === undefined) {
      throw Object.assign(
        new Error(`receiver busy: other bodies held it for ${options.timeoutMs} ms, nothing was stored`),
        { statusCode: 503, code: BUSY },
      );
    }
    // Answered or aborted, the body is no longer held.
    reply.raw.once('close', release);
    return payload;
  };
}
