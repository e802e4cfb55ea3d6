import { describe, expect, it, vi } from 'vitest';
import { kafkajsRequestQueue, stopIdleRequestQueueTimers } from './request-queue-timer.js';

interface Queue {
  readonly pending: readonly unknown[];
  readonly inflight: ReadonlyMap<number, unknown>;
  readonly throttleCheckTimeoutId: unknown;
  push(request: object): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer | null; size: number }): void;
  checkPendingRequests(): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function queue(maxInFlightRequests: number | null = null): Queue {
  const RequestQueue = kafkajsRequestQueue();
  return new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:0',
    logger: silent,
  }) as Queue;
}

/** A request as kafkajs' Connection pushes it; `sent` settles when the queue sends it. */
function request(correlationId: number) {
  let markSent: () => void = () => {};
  const sent = new Promise<void>((resolve) => {
    markSent = resolve;
  });
  return {
    sent,
    pushed: {
      entry: { correlationId, apiKey: 0, apiName: 'Produce', apiVersion: 7, resolve() {}, reject() {} },
      expectResponse: true,
      sendRequest: markSent,
    },
  };
}

describe("kafkajs' request queue timer", () => {
  it('is patched once per process', () => {
    expect(stopIdleRequestQueueTimers()).toEqual({ active: true });
    expect(stopIdleRequestQueueTimers()).toEqual({ active: true });
  });

  it('schedules no check when nothing waits and nothing is throttled', () => {
    stopIdleRequestQueueTimers();
    const q = queue();
    // kafkajs runs this after every answer; unpatched it arms a 1 ms timer that re-arms forever.
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('still sends a request that waited for an in-flight slot once the slot frees', async () => {
    stopIdleRequestQueueTimers();
    const q = queue(1);
    const first = request(1);
    const second = request(2);
    q.push(first.pushed);
    await first.sent;
    q.push(second.pushed);
    expect(q.pending).toHaveLength(1);
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    await second.sent;
    expect(q.pending).toHaveLength(0);
    expect([...q.inflight.keys()]).toEqual([2]);
    // The check armed while it waited fires once more, finds nothing, and does not re-arm.
    await vi.waitFor(() => expect(q.throttleCheckTimeoutId).toBeNull());
    q.destroy();
  });

  it('still sends a request that waited out a broker throttle, with nothing else to wake the queue', async () => {
    stopIdleRequestQueueTimers();
    const q = queue();
    q.maybeThrottle(30);
    const waiting = request(7);
    q.push(waiting.pushed);
    expect(q.pending).toHaveLength(1);
    // Only the scheduled check can send it: no answer is outstanding.
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    await waiting.sent;
    expect(q.pending).toHaveLength(0);
    expect([...q.inflight.keys()]).toEqual([7]);
    q.destroy();
  });
});
