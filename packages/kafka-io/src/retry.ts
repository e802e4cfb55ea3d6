import { setTimeout as delay } from 'node:timers/promises';

export function isRetriableKafkaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: boolean }).retriable === true;
}

/**
 * Retries an operation whose failure is temporary (a broker or server away) with capped
 * exponential backoff until it succeeds or `shouldStop` says the caller is shutting down.
 */
export async function retryForever<T>(
  operation: () => Promise<T>,
  {
    onError,
    shouldStop = () => false,
    initialDelayMs = 200,
    maxDelayMs = 10_000,
  }: {
    onError: (error: unknown, attempt: number, nextDelayMs: number) => void;
    shouldStop?: () => boolean;
    initialDelayMs?: number;
    maxDelayMs?: number;
  },
): Promise<T> {
  let wait = initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (shouldStop()) throw error;
      onError(error, attempt, wait);
      await delay(wait);
      wait = Math.min(maxDelayMs, wait * 2);
    }
  }
}
