import type { JobRow } from '../db/jobs-repository.js';
import { applyGrant } from '../workflow/apply-grant.js';
import type { RequestWorkflowDeps } from '../workflow/deps.js';
import type { GrantWorkflowDeps } from '../workflow/grant-deps.js';
import {
  type AdminAlertPayload,
  type AuditCheckpointPayload,
  type GrantNoticePayload,
  JOB_KINDS,
  JOB_PAYLOADS,
  type JobKind,
  type JobPayload,
} from '../workflow/job-kinds.js';
import type { JobOutcome } from '../workflow/job-outcome.js';
import { type PeopleDirectory, prepareRequest } from '../workflow/prepare-request.js';
import type { JobHandler } from './job-source.js';

/**
 * What people are told, one call per kind of notice. The chat surface (slack/) implements it and
 * reads what it shows fresh, so a notice sent late still shows the state of the moment.
 */
export interface Notifications {
  requestSubmitted(requestId: string): Promise<void>;
  requestChanged(requestId: string): Promise<void>;
  remindApprovers(requestId: string): Promise<void>;
  announceBreakglass(requestId: string): Promise<void>;
  grantNotice(notice: GrantNoticePayload): Promise<void>;
  alertAdmins(alert: AdminAlertPayload): Promise<void>;
  /** Posts drift alert `alertId` to the admin channel, or updates it in place. */
  driftAlert(alertId: number): Promise<void>;
  /** Posts the audit chain's daily checkpoint to the admin channel. */
  auditCheckpoint(checkpoint: AuditCheckpointPayload): Promise<void>;
}

export interface JobHandlerDeps {
  readonly grants: GrantWorkflowDeps;
  /** For preparing a request (request.prepare). */
  readonly stores: RequestWorkflowDeps['stores'];
  readonly people: PeopleDirectory;
  readonly notify: Notifications;
}

/** One kind's handler, given the payload as that kind's schema parsed it. */
type KindHandler<K extends JobKind> = (
  payload: JobPayload<K>,
  job: JobRow,
) => Promise<JobOutcome | undefined>;
type HandlerTable = { readonly [K in JobKind]: KindHandler<K> };

/** A notice has no outcome of its own: it is done once sent, and a throw retries it. */
async function told(sending: Promise<void>): Promise<undefined> {
  await sending;
  return undefined;
}

/** The one job-kind -> handler table. A kind without a handler here does not compile. */
function handlerTable({ grants, stores, people, notify }: JobHandlerDeps): HandlerTable {
  return {
    [JOB_KINDS.requestPrepare]: ({ requestId }, job) =>
      prepareRequest({ ...grants, stores, people }, requestId, job.attempts),
    [JOB_KINDS.grantApply]: ({ requestId }, job) => applyGrant(grants, requestId, job.attempts),
    [JOB_KINDS.requestSubmitted]: ({ requestId }) => told(notify.requestSubmitted(requestId)),
    [JOB_KINDS.requestChanged]: ({ requestId }) => told(notify.requestChanged(requestId)),
    [JOB_KINDS.approvalReminder]: ({ requestId }) => told(notify.remindApprovers(requestId)),
    [JOB_KINDS.breakglassNotice]: ({ requestId }) => told(notify.announceBreakglass(requestId)),
    [JOB_KINDS.grantNotice]: (notice) => told(notify.grantNotice(notice)),
    [JOB_KINDS.adminAlert]: (alert) => told(notify.alertAdmins(alert)),
    [JOB_KINDS.driftAlert]: ({ alertId }) => told(notify.driftAlert(alertId)),
    [JOB_KINDS.auditCheckpoint]: (checkpoint) => told(notify.auditCheckpoint(checkpoint)),
  };
}

/** Job payloads are ours, but a row written by an older version must fail loudly, not half-run. */
function parsing<K extends JobKind>(kind: K, table: HandlerTable): JobHandler {
  return async (job) => {
    const payload = JOB_PAYLOADS[kind].safeParse(job.payload);
    if (!payload.success) throw new Error(`job ${job.id} (${job.kind}) has an unreadable payload`);
    return table[kind](payload.data, job);
  };
}

/** Every job kind's handler, for the job source, keyed by the kind stored on the job row. */
export function createJobHandlers(deps: JobHandlerDeps): Record<string, JobHandler> {
  const table = handlerTable(deps);
  const kinds = Object.values(JOB_KINDS);
  return Object.fromEntries(kinds.map((kind) => [kind, parsing(kind, table)]));
}
