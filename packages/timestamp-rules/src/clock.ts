import { performance } from 'node:perf_hooks';

// Date.now() has millisecond resolution; timeOrigin + now() gives sub-millisecond reception times.
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
