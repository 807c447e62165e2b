import { enqueueJobs } from '../db/jobs-repository.js';
import type { Queryable } from '../db/pool.js';
import { listRequestsOfGrants } from '../db/requests-repository.js';
import type { Outbox } from '../ports/outbox.js';
import {
  type AdminAlert,
  enqueueInto,
  enqueueJob,
  type GrantNotice,
  JOB_KINDS,
  type KindedJob,
} from './job-kinds.js';

/** Grants fail after this many tries of a retryable error (about a minute of backoff in all). */
export const GRANT_MAX_ATTEMPTS = 6;

/** The request's access job; enqueued in the transaction that approves (transactional outbox). */
export async function enqueueGrant(outbox: Outbox, requestId: string): Promise<void> {
  await enqueueInto(outbox, {
    kind: JOB_KINDS.grantApply,
    payload: { requestId },
    dedupeKey: `grant:${requestId}`,
  });
}

export async function enqueueRequestChanged(db: Queryable, requestId: string): Promise<void> {
  await enqueueJob(db, { kind: JOB_KINDS.requestChanged, payload: { requestId } });
}

export async function enqueueGrantNotice(
  db: Queryable,
  notice: { requestId: string; grantId: string; notice: GrantNotice },
): Promise<void> {
  await enqueueJob(db, { kind: JOB_KINDS.grantNotice, payload: { ...notice } });
}

/** A revocation ended: the holder is told (unless it ended as a failed grant), every message updated. */
export async function enqueueRevocationEnded(
  db: Queryable,
  grant: { readonly id: string; readonly requestId: string; readonly status: string },
): Promise<void> {
  await enqueueRevocationsEnded(db, [grant]);
}

/** The same for revocations that ended together (a burst): two round trips, however many. */
export async function enqueueRevocationsEnded(
  db: Queryable,
  grants: readonly { readonly id: string; readonly requestId: string; readonly status: string }[],
): Promise<void> {
  const requestsOf = await listRequestsOfGrants(
    db,
    grants.map((grant) => grant.id),
  );
  const jobs: KindedJob<typeof JOB_KINDS.grantNotice | typeof JOB_KINDS.requestChanged>[] = [];
  for (const grant of grants) {
    if (grant.status === 'revoked')
      jobs.push({
        kind: JOB_KINDS.grantNotice,
        payload: { requestId: grant.requestId, grantId: grant.id, notice: 'revoked' },
      });
    for (const requestId of requestsOf.get(grant.id) ?? [])
      jobs.push({ kind: JOB_KINDS.requestChanged, payload: { requestId } });
  }
  await enqueueJobs(db, jobs);
}

export async function enqueueAdminAlert(
  db: Queryable,
  alert: { requestId: string; grantId?: string; alert: AdminAlert; error: string },
): Promise<void> {
  await enqueueJob(db, { kind: JOB_KINDS.adminAlert, payload: { ...alert } });
}
