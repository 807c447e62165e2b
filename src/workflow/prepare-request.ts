import { findTarget, type Target } from '../domain/catalog.js';
import type { StoredRequest } from '../domain/request.js';
import { describeError } from '../errors.js';
import { isProviderError, providerFor } from '../ports/access-provider.js';
import type { ApprovalWindow, RequestStores } from '../ports/request-stores.js';
import { DUE_WORK, dueAt } from './due-work.js';
import { failApprovedRequest } from './fail-grant.js';
import type { GrantWorkflowDeps } from './grant-deps.js';
import { enqueueInto, JOB_KINDS } from './job-kinds.js';
import type { JobOutcome } from './job-outcome.js';
import { enqueueGrant, GRANT_MAX_ATTEMPTS } from './notices.js';
import { checkRequester, type RequesterRefusal, type SlackRefusal } from './requester-checks.js';

/** A Slack person as jitbot needs them to find their account elsewhere. */
export interface SlackProfile {
  readonly userId: string;
  readonly email?: string;
  /** Deactivated in Slack, or a bot: never gets access. */
  readonly inactive: boolean;
  /** What Slack says rules this person out (a guest, another workspace, ...); absent: nothing. */
  readonly refusal?: SlackRefusal;
}

export interface PeopleDirectory {
  lookup(userId: string): Promise<SlackProfile>;
}

/**
 * The request's own steps go through the request stores; a request that cannot proceed is failed
 * by the grant side (failApprovedRequest), which may have a grant to undo and talks to db/.
 */
export interface PrepareDeps extends GrantWorkflowDeps {
  readonly stores: Pick<RequestStores, 'requests' | 'audit' | 'transaction'>;
  readonly people: PeopleDirectory;
}

interface Principal {
  readonly principal: string;
  /** Who gets the access, in words for approvers; null when an earlier attempt recorded it. */
  readonly label: string | null;
  /** The Slack email it was found from, for the audit log. */
  readonly email?: string;
}

type Resolution = Principal | { readonly refused: string };

/** Recorded apart from the request's failure, so the audit names the check and the email it read. */
async function auditRefusal(
  deps: PrepareDeps,
  request: StoredRequest,
  refusal: RequesterRefusal,
  email: string | undefined,
): Promise<void> {
  await deps.stores.audit.append({
    actor: request.requesterId,
    action: 'request.requester-refused',
    outcome: 'refused',
    requestId: request.id,
    targetId: request.targetId,
    details: {
      check: refusal.check,
      email: email ?? null,
      allowedEmailDomains: deps.catalog.settings.allowedEmailDomains ?? null,
    },
  });
}

async function resolve(deps: PrepareDeps, request: StoredRequest, target: Target): Promise<Resolution> {
  if (request.principal) return { principal: request.principal, label: null };
  const person = await deps.people.lookup(request.requesterId);
  const refusal = checkRequester(person, deps.catalog.settings.allowedEmailDomains);
  if (refusal) {
    await auditRefusal(deps, request, refusal, person.email);
    return { refused: refusal.words };
  }
  const provider = providerFor(deps.providers, target);
  const context = { requestId: request.id, actor: request.requesterId };
  const found = await provider.resolvePrincipal(target, person, context);
  if (!found.ok) return { refused: found.reason };
  return {
    principal: found.principal,
    label: provider.describePrincipal(target, found.principal, person),
    ...(person.email ? { email: person.email } : {}),
  };
}

/** Principal known: now the approvers can be asked, or (approved at once) the access applied. */
async function proceed(deps: PrepareDeps, requestId: string, found: Principal): Promise<void> {
  const { principal, label } = found;
  let window: ApprovalWindow | undefined;
  await deps.stores.transaction(async (tx) => {
    const request = await tx.requests.lock(requestId);
    if (!request || (request.status !== 'pending' && request.status !== 'approved')) return;
    if (!request.principal) {
      const { approvalTimeoutSeconds, approvalReminderSeconds } = deps.catalog.settings;
      window = {
        decideBy: new Date(Date.now() + approvalTimeoutSeconds * 1000),
        remindAt: new Date(Date.now() + approvalReminderSeconds * 1000),
      };
      await tx.requests.setPrincipal(requestId, principal, label, window);
      await tx.audit.append({
        actor: request.requesterId,
        action: 'request.principal-found',
        outcome: 'ok',
        requestId,
        targetId: request.targetId,
        details: { principal, label, email: found.email ?? null },
      });
    }
    await enqueueInto(tx.outbox, { kind: JOB_KINDS.requestSubmitted, payload: { requestId } });
    if (request.status !== 'approved') return;
    await enqueueGrant(tx.outbox, requestId);
    if (request.approvedVia === 'breakglass') {
      await enqueueInto(tx.outbox, { kind: JOB_KINDS.breakglassNotice, payload: { requestId } });
    }
  });
  deps.onWork?.(
    DUE_WORK.jobs,
    ...dueAt(DUE_WORK.timeouts, window?.decideBy),
    ...dueAt(DUE_WORK.reminders, window?.remindAt),
  );
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
  const request = await deps.stores.requests.find(requestId);
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
    await proceed(deps, requestId, resolution);
    return { status: 'done' };
  } catch (error) {
    const retryable = !isProviderError(error) || error.retryable;
    const message = describeError(error);
    if (retryable && attempt < GRANT_MAX_ATTEMPTS) return { status: 'retry', error: message };
    await failApprovedRequest(deps, {
      requestId,
      reason: `jitbot could not check your account: ${message}`,
      accountCheck: true,
    });
    return { status: 'failed', error: message };
  }
}
