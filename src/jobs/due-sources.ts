import { nextWarningDue } from '../db/grant-schedule-repository.js';
import type { RequestWorkflowDeps } from '../workflow/deps.js';
import { DUE_WORK } from '../workflow/due-work.js';
import { expireOverdueRequests } from '../workflow/expire-requests.js';
import type { GrantWorkflowDeps } from '../workflow/grant-deps.js';
import { remindApprovers } from '../workflow/remind-approvers.js';
import { warnDueGrants } from '../workflow/warn-grants.js';
import type { DueWorkSource } from './worker.js';

/*
 * Due work done in one short transaction per batch: claiming a row is what marks it done (warned,
 * expired, reminded), so there is no lease to hold and nothing to hand back. Each source claims
 * through its use case and asks the database when the next row falls due.
 */

/** Rows per transaction: short enough not to hold locks for long. */
const BATCH = 50;

/** Expiry warnings, `settings.expiryWarning` before a grant ends. */
export function createWarningSource(deps: Pick<GrantWorkflowDeps, 'pool' | 'onWork'>): DueWorkSource {
  return {
    name: DUE_WORK.warnings,
    runDue: () => warnDueGrants(deps, BATCH),
    nextDueAt: () => nextWarningDue(deps.pool),
  };
}

/** Requests nobody decided by their decide-by time. */
export function createRequestTimeoutSource(
  stores: Pick<RequestWorkflowDeps['stores'], 'requests' | 'transaction'>,
): DueWorkSource {
  return {
    name: DUE_WORK.timeouts,
    runDue: () => expireOverdueRequests(stores, BATCH),
    nextDueAt: () => stores.requests.nextDeadline(),
  };
}

/** Reminders to approvers of requests still waiting for them. */
export function createReminderSource(
  stores: Pick<RequestWorkflowDeps['stores'], 'requests' | 'transaction'>,
): DueWorkSource {
  return {
    name: DUE_WORK.reminders,
    runDue: () => remindApprovers(stores, BATCH),
    nextDueAt: () => stores.requests.nextReminderDue(),
  };
}
