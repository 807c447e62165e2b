import type { CallRecorder } from '../ports/access-provider.js';
import { appendAudit } from './audit-repository.js';
import type { Queryable } from './pool.js';

/**
 * Every AWS and Okta call, successful or not, becomes an audit event with the account, what was
 * acted on and the provider's request id, so an auditor can match it to CloudTrail (invariant 6).
 */
export function createCallRecorder(db: Queryable): CallRecorder {
  return async (call) => {
    await appendAudit(db, {
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
    });
  };
}
