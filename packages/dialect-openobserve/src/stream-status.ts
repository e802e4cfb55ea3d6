import type { StreamStatus } from './types.js';

/** Per-stream counts in order of first appearance, keeping each stream's first failure reason. */
export class StreamTally {
  private readonly byName = new Map<string, StreamStatus>();
  // Records of one stream usually come together; skip the map lookup for them.
  private last: StreamStatus | undefined;

  succeeded(stream: string): void {
    this.entry(stream).successful++;
  }

  /** `n` records of `stream` at once, as n calls of succeeded(). */
  succeededMany(stream: string, n: number): void {
    this.entry(stream).successful += n;
  }

  failed(stream: string, reason: string): void {
    const status = this.entry(stream);
    status.failed++;
    if (status.error === undefined) status.error = reason;
  }

  statuses(): StreamStatus[] {
    return [...this.byName.values()];
  }

  private entry(stream: string): StreamStatus {
    if (this.last !== undefined && this.last.name === stream) return this.last;
    let status = this.byName.get(stream);
    if (status === undefined) {
      status = { name: stream, successful: 0, failed: 0 };
      this.byName.set(stream, status);
    }
    this.last = status;
    return status;
  }
}

/** For the receiver's response body. */
export function statusResponse(streams: StreamStatus[]): { code: 200; status: StreamStatus[] } {
  return { code: 200, status: streams };
}
