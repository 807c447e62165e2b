import { z } from 'zod';
import { enqueueJob as enqueueAnyJob } from '../db/jobs-repository.js';
import type { Queryable } from '../db/pool.js';
import type { NewJob, Outbox } from '../ports/outbox.js';

/** The durable jobs the workflows enqueue; handlers are registered under these names. */
export const JOB_KINDS = {
  /** Post the approval messages and the requester's receipt for a new request. */
  requestSubmitted: 'slack.request-submitted',
  /** A request changed (an approval, a decision, expiry, cancel): update every message about it. */
  requestChanged: 'slack.request-changed',
  /** Remind the approvers who have not decided yet, in the thread of their approval message. */
  approvalReminder: 'slack.approval-reminder',
  /** Tell the admin channel loudly about a breakglass grant. */
  breakglassNotice: 'slack.breakglass-notice',
  /**
   * Find the requester's principal (IAM user, Okta user) before anyone is asked to approve,
   * then post the approval messages (or, for breakglass and auto-approval, grant at once).
   */
  requestPrepare: 'request.prepare',
  /** Apply an approved request's access through its provider. */
  grantApply: 'grant.apply',
  /** Tell the requester about their access: granted, extended, expiring soon, revoked. */
  grantNotice: 'slack.grant-notice',
  /** Tell the admin channel something needs a person: a grant failed, a revocation keeps failing. */
  adminAlert: 'slack.admin-alert',
  /** Post a drift alert to the admin channel, or update it in place once its findings changed. */
  driftAlert: 'slack.drift-alert',
  /** Post the audit chain's daily checkpoint to the admin channel: a copy outside the database. */
  auditCheckpoint: 'slack.audit-checkpoint',
} as const;

export type JobKind = (typeof JOB_KINDS)[keyof typeof JOB_KINDS];

/** Most jobs name one request: the handler reads it fresh, so it acts on the state of the moment. */
const aboutRequest = z.object({ requestId: z.string() });

const grantNotice = z.object({
  requestId: z.string(),
  grantId: z.string(),
  notice: z.enum(['granted', 'extended', 'pre-existing', 'warning', 'revoked']),
});

const adminAlert = z.object({
  requestId: z.string(),
  grantId: z.string().optional(),
  alert: z.enum(['grant-failed', 'revoke-failing', 'target-missing', 'target-changed']),
  error: z.string(),
});

const SCHEMAS = {
  [JOB_KINDS.requestSubmitted]: aboutRequest,
  [JOB_KINDS.requestChanged]: aboutRequest,
  [JOB_KINDS.approvalReminder]: aboutRequest,
  [JOB_KINDS.breakglassNotice]: aboutRequest,
  [JOB_KINDS.requestPrepare]: aboutRequest,
  [JOB_KINDS.grantApply]: aboutRequest,
  [JOB_KINDS.grantNotice]: grantNotice,
  [JOB_KINDS.adminAlert]: adminAlert,
  [JOB_KINDS.driftAlert]: z.object({ alertId: z.number().int().positive() }),
  [JOB_KINDS.auditCheckpoint]: z.object({
    seq: z.number().int().positive(),
    hash: z.string(),
    chainedAt: z.string(),
  }),
} as const satisfies Record<JobKind, z.ZodType<Record<string, unknown>>>;

/** What each kind of job carries. */
export type JobPayloads = { readonly [K in JobKind]: z.infer<(typeof SCHEMAS)[K]> };
export type JobPayload<K extends JobKind> = JobPayloads[K];

/**
 * Each kind's schema: the one definition that types the enqueue and that the handler parses
 * with, so the two cannot drift apart.
 */
export const JOB_PAYLOADS: { readonly [K in JobKind]: z.ZodType<JobPayloads[K]> } = SCHEMAS;

export type GrantNoticePayload = JobPayload<typeof JOB_KINDS.grantNotice>;
export type AdminAlertPayload = JobPayload<typeof JOB_KINDS.adminAlert>;

/** What the requester is told about their access, one DM each. */
export type GrantNotice = GrantNoticePayload['notice'];

/** What the admin channel is told, because a person has to act. */
export type AdminAlert = AdminAlertPayload['alert'];

/** A job of a known kind, with the payload its handler will read. */
export type KindedJob<K extends JobKind> = Omit<NewJob, 'kind' | 'payload'> & {
  readonly kind: K;
  readonly payload: JobPayload<K>;
};

/**
 * The workflows' way into the job queue; call it inside the transaction that causes the work
 * (transactional outbox). The same call as the outbox's, but a payload that does not fit its
 * kind is a type error instead of a job that fails when it runs. The request use cases pass
 * their transaction's outbox (`tx.outbox`).
 */
export function enqueueInto<K extends JobKind>(
  outbox: Outbox,
  job: KindedJob<K>,
): Promise<string | undefined> {
  return outbox.enqueue(job);
}

/**
 * The same for the grant use cases, which hold a database client: their transactions are about
 * row locks and claims, so they talk to db/ directly.
 */
export function enqueueJob<K extends JobKind>(db: Queryable, job: KindedJob<K>): Promise<string | undefined> {
  return enqueueAnyJob(db, job);
}

export type AuditCheckpointPayload = JobPayload<typeof JOB_KINDS.auditCheckpoint>;
