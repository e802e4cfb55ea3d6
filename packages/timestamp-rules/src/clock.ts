import { performance } from 'node:perf_hooks';

// Date.now() is the wall clock, to the millisecond; the monotonic clock supplies the microseconds
// (two requests in one millisecond get distinct reception times). The two drift apart: NTP slews
// or steps the wall clock, a VM's clock is resynchronised, and timeOrigin + now() alone was seen
// 3–14 ms away from Date.now() on these machines. So the monotonic reading is re-anchored whenever
// it leaves the millisecond Date.now() reports.
let offsetMs = Date.now() - performance.now();

export function nowMicros(): number {
  const mono = performance.now();
  const wall = Date.now();
  let t = offsetMs + mono;
  if (t < wall || t >= wall + 1) {
    offsetMs = wall - mono;
    t = wall;
  }
  return Math.floor(t * 1000);
}
