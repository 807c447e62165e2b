import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { readMetricsSnapshot } from '../db/metrics-repository.js';
import type { Queryable } from '../db/pool.js';
import { createHttpServer, type HttpServer } from '../http/http-server.js';
import type { Logger } from '../log/logger.js';
import type { CallRecorder } from '../ports/access-provider.js';

/** A grant this long past its expiry and still not revoked is overdue: access left behind. */
const OVERDUE_AFTER_SECONDS = 60;

const LIVE_GRANT_STATUSES = ['pending', 'active', 'revoking'] as const;

export interface Metrics {
  readonly registry: Registry;
  /** Counts every AWS and Okta call by action and outcome, then hands it on to `record`. */
  counting(record: CallRecorder): CallRecorder;
  /** Refreshes the figures read from PostgreSQL, then renders everything in the text format. */
  render(): Promise<string>;
  /** Serves GET /metrics on `port` and `host`, on a listener of its own so it is never public with Slack's. */
  serve(port: number, host?: string): Promise<void>;
  /** Where it listens once served, e.g. 127.0.0.1:9464. */
  listening(): string | undefined;
  close(): Promise<void>;
}

/** Scrapes within this long of the last read share it, so a scrape storm cannot load the database. */
const METRICS_CACHE_MS = 1_000;

/**
 * Figures for Prometheus. Those about grants, requests and jobs are read from PostgreSQL at
 * each scrape, so every replica reports the same, true numbers; calls are counted per process.
 */
export function createMetrics(
  db: Queryable,
  logger: Logger,
  options: { readonly cacheMs?: number; readonly now?: () => number } = {},
): Metrics {
  const cacheMs = options.cacheMs ?? METRICS_CACHE_MS;
  const now = options.now ?? Date.now;
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const grants = gauge('jitbot_grants', 'Grants not yet ended, by status.', ['status']);
  const overdue = gauge(
    'jitbot_revocations_overdue',
    `Grants more than ${OVERDUE_AFTER_SECONDS} s past their expiry and not yet revoked: access left in place. Alert when above 0.`,
  );
  const oldestOverdue = gauge(
    'jitbot_revocation_overdue_seconds',
    'How long past its expiry the most overdue grant is; 0 when none is.',
  );
  const pendingRequests = gauge('jitbot_requests_pending', 'Requests waiting for approval.');
  const jobsOverdue = gauge(
    'jitbot_jobs_overdue',
    'Jobs (messages, grants) due more than a minute ago and not started, or whose worker stopped holding them: no worker is taking work.',
  );
  const jobsFailed = gauge(
    'jitbot_jobs_failed',
    'Jobs that gave up after their last try, ever (see the admin channel); alert on increase().',
  );
  const databaseUp = gauge(
    'jitbot_database_up',
    'Whether the last scrape could read PostgreSQL (1) or not (0).',
  );
  const drift = gauge(
    'jitbot_drift_findings',
    'Open drift findings by kind (standing-access, lost-grant, stuck-expiry, orphan-schedule, ...) and target: what AWS, Okta or Identity Center hold differs from the grants. Alert on standing-access above 0.',
    ['kind', 'target'],
  );
  const calls = new Counter({
    name: 'jitbot_provider_calls_total',
    help: 'Calls to AWS and Okta, by action (aws.iam.AddUserToGroup, okta.assignUserToGroup, ...) and outcome.',
    labelNames: ['action', 'outcome'],
    registers: [registry],
  });
  let server: HttpServer | undefined;
  let lastRead: { at: number; reading: Promise<void> } | undefined;

  /** One read of the database per `cacheMs`, however many scrapes arrive, in flight or not. */
  function refreshShared(): Promise<void> {
    if (lastRead && now() - lastRead.at < cacheMs) return lastRead.reading;
    lastRead = { at: now(), reading: refresh() };
    return lastRead.reading;
  }

  async function refresh(): Promise<void> {
    try {
      const snapshot = await readMetricsSnapshot(db, OVERDUE_AFTER_SECONDS);
      drift.reset();
      for (const { kind, target, count } of snapshot.driftFindings) drift.set({ kind, target }, count);
      for (const status of LIVE_GRANT_STATUSES) grants.set({ status }, snapshot[status]);
      overdue.set(snapshot.overdue);
      oldestOverdue.set(snapshot.oldestOverdueSeconds);
      pendingRequests.set(snapshot.requestsPending);
      jobsOverdue.set(snapshot.jobsOverdue);
      jobsFailed.set(snapshot.jobsFailed);
      databaseUp.set(1);
    } catch (error) {
      // The other figures keep their last values; this one says they are stale.
      databaseUp.set(0);
      logger.warn({ err: error }, 'metrics could not read the database');
    }
  }

  async function render(): Promise<string> {
    await refreshShared();
    return registry.metrics();
  }

  return {
    registry,
    counting(record) {
      return async (call) => {
        calls.inc({ action: call.action, outcome: call.outcome });
        await record(call);
      };
    },
    render,
    async serve(port, host = '127.0.0.1') {
      // Only when served: the process figures watch every GC and the event loop.
      collectDefaultMetrics({ register: registry });
      const listener = createHttpServer({
        logger,
        portInUse: (busy) =>
          `METRICS_PORT ${busy} is already in use: stop what uses it, or set another METRICS_PORT`,
        routes: [
          {
            path: '/metrics',
            methods: ['GET'],
            async handle(_req, res) {
              const text = await render();
              res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
              res.end(text);
            },
          },
        ],
      });
      await listener.listen(port, host);
      server = listener;
    },
    listening() {
      return server ? `${server.host()}:${server.port()}` : undefined;
    },
    async close() {
      const listener = server;
      server = undefined;
      await listener?.close(0);
    },
  };
}
