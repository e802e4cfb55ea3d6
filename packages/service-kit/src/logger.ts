import { type Logger, pino } from 'pino';

/** Structured JSON logs on stdout; LOG_LEVEL picks the level. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service, pid: process.pid } });
}
