import type { ReadinessReport } from '../db/database.js';
import { DeadlineExceeded, withDeadline } from '../domain/deadline.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { type Route, sendJson } from './http-server.js';

export interface HealthState {
  readonly readiness: () => Promise<ReadinessReport>;
  /** True once shutdown began: load balancers should stop sending work here. */
  readonly shuttingDown: () => boolean;
  /** Undefined while ready as far as Slack goes; else fixed words (e.g. the bot's team not yet known). */
  readonly slackProblem: () => string | undefined;
  readonly logger: Logger;
  /** How long /readyz waits for the database before it answers not ready. */
  readonly timeoutMs?: number;
}

const READINESS_TIMEOUT_MS = 2_000;

function answered(check: Promise<ReadinessReport>, ms: number): Promise<ReadinessReport> {
  return withDeadline(check, ms).catch(
    (error: unknown): ReadinessReport =>
      error instanceof DeadlineExceeded
        ? {
            ready: false,
            problems: [`the database did not answer within ${ms} ms`],
            publicProblems: ['database not answering'],
          }
        : {
            ready: false,
            problems: [`readiness check failed: ${describeError(error)}`],
            publicProblems: ['readiness check failed'],
          },
  );
}

/**
 * /healthz: the process answers. /readyz: the database answers (within 2 s, whatever it does)
 * and is fully migrated, and jitbot knows its Slack workspace. The body carries fixed words only:
 * the detail (host names, the server's own error) goes to the log, never to whoever asks.
 */
export function healthRoutes(state: HealthState): Route[] {
  const timeoutMs = state.timeoutMs ?? READINESS_TIMEOUT_MS;
  let lastLogged = '';
  const notReady = (problems: string[], detail: string[]) => {
    // Logged when the reason changes, so a probe every few seconds does not flood the log.
    const key = detail.join('; ');
    if (key !== lastLogged) state.logger.warn({ problems: detail }, 'not ready');
    lastLogged = key;
    return { status: 'not ready', problems };
  };
  return [
    {
      path: '/healthz',
      methods: ['GET', 'HEAD'],
      handle: (_req, res) => sendJson(res, 200, { status: 'ok' }),
    },
    {
      path: '/readyz',
      methods: ['GET', 'HEAD'],
      async handle(_req, res) {
        if (state.shuttingDown()) {
          sendJson(res, 503, { status: 'not ready', problems: ['shutting down'] });
          return;
        }
        const report = await answered(state.readiness(), timeoutMs);
        const slack = state.slackProblem();
        const slackProblems = slack === undefined ? [] : [slack];
        const problems = [...report.publicProblems, ...slackProblems];
        if (problems.length === 0) {
          lastLogged = '';
          sendJson(res, 200, { status: 'ready' });
          return;
        }
        sendJson(res, 503, notReady(problems, [...report.problems, ...slackProblems]));
      },
    },
  ];
}
