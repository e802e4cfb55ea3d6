import { type Env, readEnv } from '@pipeline/config';
import { type KafkaSettings, readKafkaSettings } from '@pipeline/kafka-io';
import { type Credentials, loadCredentials } from './auth/credentials.js';

export interface ReceiverConfig {
  readonly host: string;
  readonly port: number;
  readonly kafka: KafkaSettings;
  /** How long a request waits for Kafka's acknowledgement before it is answered 503. */
  readonly ackTimeoutMs: number;
  /** Bytes that may wait for Kafka in this process; beyond it requests get 503 at once. */
  readonly maxQueuedBytes: number;
  /** Largest body, after decompression. */
  readonly maxBodyBytes: number;
  /** Bytes of bodies held at once; more wait before they are read (hooks/admission.ts). */
  readonly maxBodyBytesInFlight: number;
  /** Longest a body waits for that before it is answered 503. */
  readonly admissionTimeoutMs: number;
  readonly rateLimitPerMinute: number;
  readonly trustedProxies: string[];
  readonly maxAgeSeconds: number;
  readonly maxFutureSeconds: number;
  readonly maxFieldsPerRecord: number;
  readonly credentials: Credentials;
}

/** Reads and validates the receiver's settings; a bad value fails start with the variable's name. */
export function loadReceiverConfig(
  env: Env = process.env,
): ReceiverConfig & { variables: ReadonlySet<string> } {
  const e = readEnv(env);
  const config: ReceiverConfig = {
    host: e.string('HOST', '0.0.0.0'),
    port: e.int('PORT', 8080, { min: 0, max: 65535 }),
    kafka: readKafkaSettings(e),
    ackTimeoutMs: e.int('KAFKA_ACK_TIMEOUT_MS', 10_000, { min: 100 }),
    maxQueuedBytes: e.int('RECEIVER_MAX_QUEUED_BYTES', 256 * 1024 * 1024, { min: 1024 * 1024 }),
    maxBodyBytes: e.int('MAX_BODY_BYTES', 20 * 1024 * 1024, { min: 1024 }),
    maxBodyBytesInFlight: e.int('RECEIVER_MAX_BODY_BYTES_IN_FLIGHT', 128 * 1024 * 1024, { min: 1 }),
    admissionTimeoutMs: e.int('RECEIVER_ADMISSION_TIMEOUT_MS', 30_000, { min: 100 }),
    rateLimitPerMinute: e.int('RATE_LIMIT_PER_MINUTE', 500, { min: 0 }),
    trustedProxies: e.list('TRUSTED_PROXIES', []),
    maxAgeSeconds: e.int('MAX_SAMPLE_AGE_SECONDS', 15 * 60, { min: 0 }),
    maxFutureSeconds: e.int('MAX_SAMPLE_FUTURE_SECONDS', 3600, { min: 0 }),
    maxFieldsPerRecord: e.int('MAX_FIELDS_PER_RECORD', 200, { min: 1 }),
    credentials: loadCredentials(e),
  };
  return { ...config, variables: e.names };
}
