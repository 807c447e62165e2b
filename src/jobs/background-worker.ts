import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import type { ChainHead } from '../db/audit-chain-repository.js';
import { JOBS_CHANNEL } from '../db/jobs-repository.js';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../log/logger.js';
import type { RequestWorkflowDeps } from '../workflow/deps.js';
import type { GrantWorkflowDeps } from '../workflow/grant-deps.js';
import type { ReconcileDeps } from '../workflow/reconcile.js';
import { createAuditChainSource } from './audit-chain-source.js';
import { createDriftSource } from './drift-source.js';
import { createReminderSource, createRequestTimeoutSource, createWarningSource } from './due-sources.js';
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
}: BackgroundWorkerDeps): Worker {
  // Names this process on the jobs it holds, so a lease is only ever settled by its holder.
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const sources = [
    createJobSource({ pool, handlers, workerId, logger: logger.child({ component: 'jobs' }) }),
    createRevocationSource(grants, logger.child({ component: 'revocations' })),
    createWarningSource(grants),
    createRequestTimeoutSource(stores),
    createReminderSource(stores),
    createJobRetentionSource(pool),
    ...(drift ? [createDriftSource(drift, logger.child({ component: 'drift' }))] : []),
    createAuditChainSource({
      pool,
      logger: logger.child({ component: 'audit-chain' }),
      ...(auditCheckpoint ? { announce: auditCheckpoint } : {}),
    }),
  ];
  return createWorker({ pool, sources, logger, channels: [JOBS_CHANNEL] });
}
