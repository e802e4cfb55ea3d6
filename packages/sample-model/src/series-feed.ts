import type { SampleRowWriter, SeriesEntry } from './row-encoding.js';
import type { Sample } from './sample.js';

const US_PER_DAY = 86_400_000_000;

/**
 * The UTC day of a timestamp, as ClickHouse's `toDate(toDateTime(intDiv(timestamp_us, 1000000)))`
 * groups the series table (for times since 1970, which is what that expression handles).
 */
export const utcDayOf = (timestampUs: number): number => Math.floor(timestampUs / US_PER_DAY);

/** One series' first and last sample of one UTC day since the last report. */
export interface FeedSlot {
  readonly entry: SeriesEntry;
  readonly day: number;
  firstUs: number;
  firstValue: number;
  firstDtRaw: string;
  lastUs: number;
  lastValue: number;
  lastDtRaw: string;
  /** The series' slot of another day, when it had samples of several since the report. */
  next: FeedSlot | undefined;
}

/**
 * What the views behind `series` and `metric_metadata` need from the samples, kept between reports:
 * per series and UTC day, a copy of the sample with the lowest and the one with the highest
 * timestamp. Min, max and argMax over these equal min, max and argMax over all the samples, so
 * inserting only these rows into `series_feed` keeps both tables exact, and it is done a few times
 * a minute instead of on every insert (docs/benchmarks.md). The slots hang on the row cache's
 * series entries, so noting a sample costs no lookup beyond the one that wrote its row; hence one
 * feed per row cache.
 */
export class SeriesFeed {
  #slots: FeedSlot[] = [];

  /** Series-days noted since the last report: each becomes one row, or two. */
  get size(): number {
    return this.#slots.length;
  }

  note(entry: SeriesEntry, sample: Sample): void {
    this.noteRow(entry, sample.timestampUs, sample.value, sample.dtRaw);
  }

  /** A sample of the entry's series, by its fields. */
  noteRow(entry: SeriesEntry, ts: number, value: number, dt: string): void {
    const day = utcDayOf(ts);
    let slot = entry.feed;
    while (slot !== undefined && slot.day !== day) slot = slot.next;
    if (slot === undefined) {
      entry.feed = {
        entry,
        day,
        firstUs: ts,
        firstValue: value,
        firstDtRaw: dt,
        lastUs: ts,
        lastValue: value,
        lastDtRaw: dt,
        next: entry.feed,
      };
      this.#slots.push(entry.feed);
      return;
    }
    // On a tie the later sample wins, as it does in sample_rows (ReplacingMergeTree keeps the last
    // insert): the copies stay equal to the stored rows.
    if (ts <= slot.firstUs) {
      slot.firstUs = ts;
      slot.firstValue = value;
      slot.firstDtRaw = dt;
    }
    if (ts >= slot.lastUs) {
      slot.lastUs = ts;
      slot.lastValue = value;
      slot.lastDtRaw = dt;
    }
  }

  /**
   * The report: its rows, org by org, in pieces of about maxBytes at most; then starts over. (An
   * entry the row cache dropped meanwhile may share a series with a newer one: the series is
   * reported twice, which the min and max states make harmless.)
   */
  report(writer: SampleRowWriter, maxBytes: number): { org: string; rows: Buffer; count: number }[] {
    const slots = this.#slots;
    this.#slots = [];
    for (const slot of slots) slot.entry.feed = undefined;
    const byOrg = new Map<string, FeedSlot[]>();
    for (const slot of slots) {
      const list = byOrg.get(slot.entry.org);
      if (list === undefined) byOrg.set(slot.entry.org, [slot]);
      else list.push(slot);
    }
    const pieces: { org: string; rows: Buffer; count: number }[] = [];
    const cut = (org: string) => {
      const count = writer.rows;
      pieces.push({ org, rows: writer.take(), count });
    };
    for (const [org, list] of byOrg) {
      for (const slot of list) {
        writer.writeRow(slot.entry.prefix, slot.firstUs, slot.firstValue, slot.firstDtRaw);
        if (slot.lastUs !== slot.firstUs)
          writer.writeRow(slot.entry.prefix, slot.lastUs, slot.lastValue, slot.lastDtRaw);
        if (writer.byteLength >= maxBytes) cut(org);
      }
      if (writer.rows > 0) cut(org);
    }
    return pieces;
  }
}
