import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Requests per client IP per minute, in fixed one-minute windows. Per process: N receivers
 * behind a load balancer allow up to N times the limit, which the README says.
 */
export class RateLimiter {
  #windowStart = 0;
  #counts = new Map<string, number>();

  constructor(
    readonly perMinute: number,
    readonly now: () => number = Date.now,
  ) {}

  /** undefined when allowed, else the seconds until the window resets (for Retry-After). */
  take(ip: string): number | undefined {
    if (this.perMinute <= 0) return undefined;
    const now = this.now();
    if (now - this.#windowStart >= 60_000) {
      this.#windowStart = now - (now % 60_000);
      this.#counts = new Map();
    }
    const count = (this.#counts.get(ip) ?? 0) + 1;
    this.#counts.set(ip, count);
    if (count <= this.perMinute) return undefined;
    return Math.max(1, Math.ceil((this.#windowStart + 60_000 - now) / 1000));
  }
}

/** onRequest hook: 429 with Retry-After once a client IP is over the limit; `refuse` writes the body. */
export function rateLimitHook(
  limiter: RateLimiter,
  refuse: (reply: FastifyReply, message: string) => FastifyReply,
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const wait = limiter.take(request.ip);
    if (wait === undefined) return;
    reply.code(429).header('retry-after', String(wait));
    return refuse(reply, `more than ${limiter.perMinute} requests per minute from ${request.ip}`);
  };
}
