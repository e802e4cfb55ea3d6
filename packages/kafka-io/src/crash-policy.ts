import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * kafkajs restarts a crashed consumer only after retriable errors. After any other error it
 * stays stopped while the process lives on, consuming nothing: exiting instead lets the
 * supervisor (docker compose, Kubernetes, npm start's watcher) start a fresh process, which
 * resumes from the last committed offsets.
 */
export function exitWhenConsumerGivesUp(
  consumer: Consumer,
  logger: Logger,
  onCrash: () => void = () => {},
): void {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    onCrash();
    if (payload.restart) {
      logger.error({ err: payload.error, groupId: payload.groupId }, 'consumer crashed; kafkajs restarts it');
      return;
    }
    logger.fatal(
      { err: payload.error, groupId: payload.groupId },
      'consumer crashed for good; exiting so a fresh process takes over',
    );
    setTimeout(() => process.exit(1), 100).unref();
  });
}
