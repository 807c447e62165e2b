import type { ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { ReadinessReport } from '../db/database.js';

export interface HealthState {
  readonly readiness: () => Promise<ReadinessReport>;
  /** True once shutdown began: load balancers should stop sending work here. */
  readonly shuttingDown: () => boolean;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** /healthz: the process answers. /readyz: the database answers and is fully migrated. */
export function healthRoutes(state: HealthState): CustomRoute[] {
  return [
    {
      path: '/healthz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => sendJson(res, 200, { status: 'ok' }),
    },
    {
      path: '/readyz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => {
        if (state.shuttingDown()) {
          sendJson(res, 503, { status: 'not ready', problems: ['shutting down'] });
          return;
        }
        state.readiness().then(
          (report) =>
            sendJson(
              res,
              report.ready ? 200 : 503,
              report.ready ? { status: 'ready' } : { status: 'not ready', problems: report.problems },
            ),
          () => sendJson(res, 503, { status: 'not ready', problems: ['readiness check failed'] }),
        );
      },
    },
  ];
}
