import type { Logger } from './log/logger.js';
import { currentRequestContext } from './log/request-context.js';

export interface ProcessGuardOptions {
  readonly logger: Logger;
  /** More uncaught exceptions than this within `windowMs` end the process (exit 70) for a restart. */
  readonly maxExceptions?: number;
  readonly windowMs?: number;
  readonly exit?: (code: number) => void;
  readonly now?: () => number;
}

/**
 * The last line of defence: a promise nobody awaited, or a throw from a callback, is logged with
 * the request it came from and the service goes on serving. jitbot's state lives in PostgreSQL and
 * every step is a transaction, so one failed request leaves nothing half-done in memory that
 * matters. A burst of exceptions says something is broken for good: then the process exits and its
 * supervisor starts a clean one, rather than limping on.
 */
export function installProcessGuard(options: ProcessGuardOptions): () => void {
  const { logger } = options;
  const maxExceptions = options.maxExceptions ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const now = options.now ?? Date.now;
  let recent: number[] = [];

  const onRejection = (reason: unknown) => {
    logger.error(
      { err: reason, request: currentRequestContext() },
      'a promise failed and nobody handled it; serving on',
    );
  };
  const onException = (error: Error) => {
    const at = now();
    recent = [...recent.filter((time) => at - time < windowMs), at];
    if (recent.length > maxExceptions) {
      logger.fatal(
        { err: error, request: currentRequestContext() },
        `${recent.length} uncaught exceptions within ${windowMs / 1000} s: exiting so a fresh process takes over`,
      );
      exit(70);
      return;
    }
    logger.error({ err: error, request: currentRequestContext() }, 'an uncaught exception; serving on');
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
