import type { CallRecorder } from '../ports/access-provider.js';
import type { AuditEvent } from '../ports/audit-log.js';
import { appendAudits } from './audit-repository.js';
import { gatherWrites } from './gathered-writes.js';
import { persistently } from './persistently.js';
import type { Queryable } from './pool.js';

/**
 * Every AWS and Okta call, successful or not, becomes an audit event with the account, what was
 * acted on and the provider's request id, so an auditor can match it to CloudTrail (invariant 6).
 */
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
