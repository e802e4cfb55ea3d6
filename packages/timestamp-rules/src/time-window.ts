/** How far from reception a sample's time may lie. 0 turns a bound off. */
export interface TimeWindow {
  readonly maxAgeUs: number;
  readonly maxFutureUs: number;
}

/** Returns why a sample time is outside the window, or undefined when it is inside. */
export function checkTimeWindow(
  timestampUs: number,
  receivedAtUs: number,
  window: TimeWindow,
): string | undefined {
  if (window.maxAgeUs > 0 && timestampUs < receivedAtUs - window.maxAgeUs) {
    return `timestamp ${new Date(Math.floor(timestampUs / 1000)).toISOString()} is more than ${describe(window.maxAgeUs)} in the past`;
  }
  if (window.maxFutureUs > 0 && timestampUs > receivedAtUs + window.maxFutureUs) {
    return `timestamp ${new Date(Math.floor(timestampUs / 1000)).toISOString()} is more than ${describe(window.maxFutureUs)} in the future`;
  }
  return undefined;
}

function describe(us: number): string {
  const seconds = us / 1_000_000;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
