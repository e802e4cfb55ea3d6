import { ConfigError } from '@pipeline/config';
import type { Logger } from 'pino';
import { createLogger } from './logger.js';

/**
 * Runs a service's start-up; a configuration error ends the process with the variable's name
 * and exit code 2, any other start-up failure with its error and exit code 1.
 */
export async function runService(name: string, start: (logger: Logger) => Promise<void>): Promise<void> {
  const logger = createLogger(name);
  try {
    await start(logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.fatal({ variable: error.variable }, `configuration error: ${error.message}`);
      process.exit(2);
    }
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }
}
