import type { CallRecorder } from '../ports/access-provider.js';
import type { AuditEvent } from '../ports/audit-log.js';
import { appendAudits } from './audit-repository.js';
import { gatherWrites } from './gathered-writes.js';
import type { Queryable } from './pool.js';

/**
 * Every AWS and Okta call, successful or not, becomes an audit event with the account, what was
 * acted on and the provider's request id, so an auditor can match it to CloudTrail (invariant 6).
 */
/** Waits between tries of a call's audit row: a cut connection is replaced within these. */
const RECORD_RETRY_MS = [100, 400, 1600] as const;

/**
 * The call was made: its row must not be lost to a passing database hiccup (a connection cut, a
 * full pool), or the audit log would miss a change AWS or Okta did. Tried again a few times over
 * two seconds; a database that stays away fails the call's work, which is retried as a whole.
 */
async function persistently(write: () => Promise<void>): Promise<void> {
  for (const waitMs of RECORD_RETRY_MS) {
    try {
      return await write();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
  await write();
}

export function createCallRecorder(db: Queryable): CallRecorder {
  // Calls made at the same moment (a burst of revocations) are written together.
  const append = gatherWrites((events: readonly AuditEvent[]) => appendAudits(db, events));
  return async (call) => {
    const event: AuditEvent = {
      actor: call.context.actor,
      action: call.action,
      outcome: call.outcome,
      requestId: call.context.requestId,
      grantId: call.context.grantId ?? null,
      targetId: call.targetId ?? null,
      details: {
        account: call.account ?? null,
        resource: call.resource ?? null,
        principal: call.principal ?? null,
        providerRequestId: call.providerRequestId ?? null,
        // Which shared AWS session (CloudTrail's session name) made this grant's call.
        ...(call.context.session && call.action.startsWith('aws.') ? { session: call.context.session } : {}),
        ...(call.outcome === 'error' ? { errorCode: call.errorCode ?? null, error: call.error ?? null } : {}),
      },
    };
    await persistently(() => append(event));
  };
}
