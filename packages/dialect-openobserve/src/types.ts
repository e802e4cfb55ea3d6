import type { MetricType, RejectedRecord, Sample } from '@pipeline/sample-model';

export type DecodeResult = { ok: true; records: unknown[] } | { ok: false; error: string };

/** The type registry as the caller knows it: the registered type of a stream in this org, if any. */
export interface KnownTypes {
  get(stream: string): MetricType | undefined;
}

export interface OpenObserveContext {
  /** Integer microseconds; the time of records without a timestamp (or with 0). */
  receivedAtUs: number;
  maxFieldsPerRecord: number;
  knownTypes: KnownTypes;
  /**
   * Skip building samples (`samples` comes back empty); everything else is computed exactly as
   * without it. For the receiver, which only answers with the statuses: samples are most of the cost.
   */
  statusOnly?: boolean;
}

export interface StreamStatus {
  name: string;
  successful: number;
  failed: number;
  /** The first failure reason of that stream; absent when nothing failed. */
  error?: string;
}

/** A stream whose type this payload sets for the first time; the caller persists it. */
export interface TypeRegistration {
  stream: string;
  type: MetricType;
}

export type PayloadResult =
  | { ok: false; error: string }
  | {
      ok: true;
      samples: Sample[];
      streams: StreamStatus[];
      rejected: RejectedRecord[];
      registrations: TypeRegistration[];
      records: number;
    };
