import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import type { ChainHead } from '../db/audit-chain-repository.js';
import { DUE_CHANNEL, JOBS_CHANNEL } from '../db/jobs-repository.js';
import type { Queryable } from '../db/pool.js';
import { createReplicaPresence } from '../db/replica-presence.js';
import type { Logger } from '../log/logger.js';
import type { RequestWorkflowDeps } from '../workflow/deps.js';
import type { GrantWorkflowDeps } from '../workflow/grant-deps.js';
import type { ReconcileDeps } from '../workflow/reconcile.js';
import { createAuditChainSource } from './audit-chain-source.js';
import { type AuditSinkSourceDeps, createAuditSinkSource } from './audit-sink-source.js';
import { createDriftSource } from './drift-source.js';
import { createReminderSource, createRequestTimeoutSource, createWarningSource } from './due-sources.js';
import { createHomeSource } from './home-source.js';
import { createJobSource, type JobHandler } from './job-source.js';
import { createJobRetentionSource } from './retention-source.js';
import { createRevocationSource } from './revocation-source.js';
import { createWorker, type Worker } from './worker.js';

export interface BackgroundWorkerDeps {
  readonly pool: pg.Pool;
  /** Every job kind's handler (job-handlers.ts). */
  readonly handlers: Readonly<Record<string, JobHandler>>;
  readonly grants: GrantWorkflowDeps;
  /** For the request timeouts and approval reminders. */
  readonly stores: RequestWorkflowDeps['stores'];
  readonly logger: Logger;
  /** The periodic drift run; absent: none in this process. */
  readonly drift?: ReconcileDeps;
  /** Enqueues the daily audit-chain checkpoint's admin-channel post, in the claim's transaction. */
  readonly auditCheckpoint?: (tx: Queryable, head: ChainHead) => Promise<void>;
  /** Where the audit chain is shipped (AUDIT_SINK); absent: it stays in the database only. */
  readonly auditSink?: AuditSinkSourceDeps['sink'];
  /** Publishes one person's App Home; absent: Homes are not kept up to date by this process. */
  readonly publishHome?: (userId: string) => Promise<void>;
  /** How long a failed job or publish was asked to wait (Slack's Retry-After); not counted as a try. */
  readonly retryAfterOf?: (error: unknown) => number | undefined;
}

/** One worker over every kind of due work, woken by NOTIFY when a transaction enqueues a job. */
export function createBackgroundWorker({
  pool,
  handlers,
  grants,
  stores,
  logger,
  drift,
  auditCheckpoint,
  auditSink,
  publishHome,
  retryAfterOf,
}: BackgroundWorkerDeps): Worker {
  // Names this process on the jobs it holds, so a lease is only ever settled by its holder.
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // Held on a connection of its own while the worker runs, so a replica killed while revoking is
  // seen gone at once and its revocations taken up by another (revocation-source.ts).
  const presence = createReplicaPresence(pool, logger.child({ component: 'presence' }));
  const revocations = createRevocationSource(grants, logger.child({ component: 'revocations' }), presence);
  const sources = [
    // Revocations first, and jobs yield to them: access goes on time even in a burst of expiries.
    revocations,
    createJobSource({
      pool,
      handlers,
      workerId,
      logger: logger.child({ component: 'jobs' }),
      yieldWhile: () => revocations.running() > 0,
      ...(retryAfterOf ? { retryAfterOf } : {}),
    }),
    createWarningSource(grants),
    createRequestTimeoutSource(stores),
    createReminderSource(stores),
    createJobRetentionSource(pool),
    ...(publishHome
      ? [
          createHomeSource({
            pool,
            publish: publishHome,
            logger: logger.child({ component: 'app-home' }),
            ...(retryAfterOf ? { retryAfterOf } : {}),
          }),
        ]
      : []),
    ...(drift ? [createDriftSource(drift, logger.child({ component: 'drift' }))] : []),
    createAuditChainSource({
      pool,
      logger: logger.child({ component: 'audit-chain' }),
      ...(auditCheckpoint ? { announce: auditCheckpoint } : {}),
    }),
    ...(auditSink
      ? [createAuditSinkSource({ pool, sink: auditSink, logger: logger.child({ component: 'audit-sink' }) })]
      : []),
  ];
  const worker = createWorker({ pool, sources, logger, channels: [JOBS_CHANNEL, DUE_CHANNEL] });
  return {
    ...worker,
    async stop() {
      await worker.stop();
      await presence.close();
    },
  };
}
