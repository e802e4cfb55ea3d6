import { createRequire } from 'node:module';
import type { KafkajsPatchState } from './kafkajs-patch.js';

/**
 * kafkajs 2.2.4 keeps every broker connection's request queue on a 1 ms timer for as long as the
 * connection lives: after each check it schedules the next one at `throttledUntil - now`, which is
 * negative when nothing is throttled, and Node runs a negative delay after 1 ms. With nothing
 * pending each check finds nothing to send and schedules the next. Several connections per
 * process make thousands of wake-ups a second, idle or not (upstream: tulios/kafkajs#1556,
 * #1704; the fix is unreleased, and 2.2.4 is kafkajs' final release).
 *
 * Here the check is only scheduled when it has something to do: a request waits in the queue, or
 * a broker-imposed throttle is still running. Nothing is lost by skipping it otherwise: a request
 * enters the queue only through push(), which schedules the check itself, and every answer or
 * timeout checks the queue again.
 */
const require = createRequire(import.meta.url);
const KAFKAJS_REQUEST_QUEUE = 'kafkajs/src/network/requestQueue/index.js';

interface RequestQueueLike {
  readonly pending: readonly unknown[];
  readonly throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

export type RequestQueueTimerState = KafkajsPatchState;

let state: RequestQueueTimerState | undefined;

/** Stops kafkajs' idle request-queue timer loop, once per process; says whether it is in effect. */
export function stopIdleRequestQueueTimers(): RequestQueueTimerState {
  state ??= install();
  return state;
}

function install(): RequestQueueTimerState {
  let RequestQueue: { prototype: RequestQueueLike };
  try {
    RequestQueue = require(KAFKAJS_REQUEST_QUEUE) as { prototype: RequestQueueLike };
  } catch (error) {
    return { active: false, reason: `kafkajs' request queue did not load: ${(error as Error).message}` };
  }
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
  if (typeof schedule !== 'function') {
    return { active: false, reason: 'kafkajs RequestQueue has no scheduleCheckPendingRequests' };
  }
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueLike) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
  return { active: true };
}

/** kafkajs' RequestQueue class (for tests). */
export function kafkajsRequestQueue(): new (options: object) => unknown {
  return require(KAFKAJS_REQUEST_QUEUE) as new (
    options: object,
  ) => unknown;
}
