import { findTarget, type Target } from '../config/catalog.js';
import { appendAudit } from '../db/audit-repository.js';
import { enqueueJob } from '../db/jobs-repository.js';
import { inTransaction } from '../db/pool.js';
import { findRequest, lockRequest, type StoredRequest, setPrincipal } from '../db/requests-repository.js';
import type { JobOutcome } from '../jobs/job-source.js';
import { isProviderError, providerFor } from '../providers/provider.js';
import { failApprovedRequest } from './fail-grant.js';
import type { GrantWorkflowDeps } from './grant-deps.js';
import { JOB_KINDS } from './job-kinds.js';
import { enqueueGrant, GRANT_MAX_ATTEMPTS } from './notices.js';

/** A Slack person as jitbot needs them to find their account elsewhere. */
export interface SlackProfile {
  readonly userId: string;
  readonly email?: string;
  /** Deactivated in Slack, or a bot: never gets access. */
  readonly inactive: boolean;
}

export interface PeopleDirectory {
  lookup(userId: string): Promise<SlackProfile>;
}

export interface PrepareDeps extends GrantWorkflowDeps {
  readonly people: PeopleDirectory;
}

type Resolution = { readonly principal: string } | { readonly refused: string };

async function resolve(deps: PrepareDeps, request: StoredRequest, target: Target): Promise<Resolution> {
  if (request.principal) return { principal: request.principal };
  const person = await deps.people.lookup(request.requesterId);
  if (person.inactive)
    return { refused: 'your Slack account is deactivated or a bot, so it cannot get access' };
  const provider = providerFor(deps.providers, target);
  const context = { requestId: request.id, actor: request.requesterId };
  const found = await provider.resolvePrincipal(target, person, context);
  return found.ok ? { principal: found.principal } : { refused: found.reason };
}

/** Principal known: now the approvers can be asked, or (approved at once) the access applied. */
async function proceed(deps: PrepareDeps, requestId: string, principal: string): Promise<void> {
  await inTransaction(deps.pool, async (db) => {
    const request = await lockRequest(db, requestId);
    if (!request || (request.status !== 'pending' && request.status !== 'approved')) return;
    if (!request.principal) {
      await setPrincipal(db, requestId, principal);
      await appendAudit(db, {
        actor: request.requesterId,
        action: 'request.principal-found',
        outcome: 'ok',
        requestId,
        targetId: request.targetId,
        details: { principal },
      });
    }
    await enqueueJob(db, { kind: JOB_KINDS.requestSubmitted, payload: { requestId } });
    if (request.status !== 'approved') return;
    await enqueueGrant(db, requestId);
    if (request.approvedVia === 'breakglass') {
      await enqueueJob(db, { kind: JOB_KINDS.breakglassNotice, payload: { requestId } });
    }
  });
  deps.onWork?.();
}

/**
 * The `request.prepare` job: finds who the requester is in the target's system (IAM user, Okta
 * user) and checks they can receive the access, before anyone is asked to approve. A person
 * jitbot cannot match is told why at once, in plain words, and the request ends as failed.
 */
export async function prepareRequest(
  deps: PrepareDeps,
  requestId: string,
  attempt: number,
): Promise<JobOutcome> {
  const request = await findRequest(deps.pool, requestId);
  if (!request || (request.status !== 'pending' && request.status !== 'approved')) return { status: 'done' };
  const target = findTarget(deps.catalog, request.targetId);
  if (!target) {
    await failApprovedRequest(deps, {
      requestId,
      reason: `target ${request.targetId} is no longer in the catalog`,
      accountCheck: true,
    });
    return { status: 'done' };
  }
  try {
    const resolution = await resolve(deps, request, target);
    if ('refused' in resolution) {
      await failApprovedRequest(deps, {
        requestId,
        reason: resolution.refused,
        accountCheck: true,
        alertAdmins: false,
      });
      return { status: 'done' };
    }
    await proceed(deps, requestId, resolution.principal);
    return { status: 'done' };
  } catch (error) {
    const retryable = !isProviderError(error) || error.retryable;
    const message = error instanceof Error ? error.message : String(error);
    if (retryable && attempt < GRANT_MAX_ATTEMPTS) return { status: 'retry', error: message };
    await failApprovedRequest(deps, {
      requestId,
      reason: `jitbot could not check your account: ${message}`,
      accountCheck: true,
    });
    return { status: 'failed', error: message };
  }
}
