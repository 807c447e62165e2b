import type { Target } from '../domain/catalog.js';
import type { ApprovedVia, StoredRequest } from '../domain/request.js';
import { providerFor } from '../ports/access-provider.js';
import type { RequestStoreSet } from '../ports/request-stores.js';
import type { RequestWorkflowDeps } from './deps.js';

/** Why a valid request is not created, each with what the requester needs to act on it. */
export type SubmitRefusal =
  | {
      /** The access is already theirs, and nobody would approve this request: it may not extend it. */
      readonly type: 'has-access';
      readonly target: Target;
      readonly grantId: string;
      readonly until: Date;
      /** Whether Extend can help: the target has approvers to ask. */
      readonly extendable: boolean;
    }
  | { readonly type: 'duplicate'; readonly existing: StoredRequest; readonly target: Target }
  | {
      readonly type: 'rate-limited';
      readonly target: Target;
      readonly requests: number;
      readonly perSeconds: number;
      /** When the oldest request that counts leaves the window. */
      readonly retryAt: Date;
    }
  | {
      readonly type: 'too-many-pending';
      readonly target: Target;
      readonly max: number;
      /** Oldest first: the ones the person could cancel. */
      readonly pendingIds: readonly string[];
    };

/** The refusals that are audited; a duplicate is pointed at the first request, as it always was. */
type Audited = Exclude<SubmitRefusal, { type: 'duplicate' }>;

/** The submit transaction's stores, as far as the checks read and write them. */
type CheckStores = Pick<RequestStoreSet, 'limits' | 'requests' | 'audit'>;

export interface SubmitCheck {
  readonly requesterId: string;
  readonly target: Target;
  readonly durationSeconds: number;
  /** Asked with Extend: people approve it, even where the target would approve by itself. */
  readonly extension: boolean;
}

/** Breakglass grants at once; autoApprove grants short requests at once; anything else waits. */
function approvalRoute(target: Target, durationSeconds: number): ApprovedVia | undefined {
  if (target.breakglass) return 'breakglass';
  if (target.autoApprove && durationSeconds <= target.autoApprove.maxDurationSeconds) return 'auto';
  return undefined;
}

function hasApprovers(target: Target): boolean {
  return target.approvers.users.length + target.approvers.userGroups.length > 0;
}

/**
 * A request nobody would approve (auto-approval, breakglass) must not extend access the person
 * already holds: chained, they would be access without end that no person agreed to. Asked with
 * Extend, the same request goes to the approvers instead. Also checked where grants are joined
 * (apply-grant), for two such requests in flight at once.
 */
async function routeAround(
  tx: CheckStores,
  deps: Pick<RequestWorkflowDeps, 'providers'>,
  check: SubmitCheck,
): Promise<{ route: ApprovedVia | undefined } | { refusal: Extract<SubmitRefusal, { type: 'has-access' }> }> {
  const route = approvalRoute(check.target, check.durationSeconds);
  if (!route) return { route };
  // Extend always asks people, whether or not the access is still found held (it may be ending).
  if (check.extension && hasApprovers(check.target)) return { route: undefined };
  const provider = providerFor(deps.providers, check.target);
  const held = await tx.limits.findHeldAccess(
    check.requesterId,
    provider.resourceOf(check.target),
    provider.perRequest === true,
  );
  if (!held) return { route };
  const extendable = hasApprovers(check.target);
  if (check.extension && extendable) return { route: undefined };
  const { target } = check;
  return {
    refusal: { type: 'has-access', target, grantId: held.grantId, until: held.expiresAt, extendable },
  };
}

/**
 * The per-person limits: requests made in the window (cancelled ones too), and requests waiting.
 * One approved at once waits for nobody, so only the first applies to it: a breakglass request is
 * never held back by requests someone left pending.
 */
async function limits(
  tx: CheckStores,
  deps: Pick<RequestWorkflowDeps, 'catalog'>,
  check: SubmitCheck,
  route: ApprovedVia | undefined,
): Promise<Audited | undefined> {
  const { requestRateLimit, maxPendingRequests } = deps.catalog.settings;
  const { requests, perSeconds } = requestRateLimit;
  const recent = await tx.limits.recentRequestTimes(check.requesterId, perSeconds, requests);
  const oldest = recent[requests - 1];
  if (oldest) {
    const retryAt = new Date(oldest.getTime() + perSeconds * 1000);
    return { type: 'rate-limited', target: check.target, requests, perSeconds, retryAt };
  }
  if (route) return undefined;
  const pending = await tx.requests.listPending(check.requesterId);
  if (pending.length < maxPendingRequests) return undefined;
  const pendingIds = pending.map((request) => request.id);
  return { type: 'too-many-pending', target: check.target, max: maxPendingRequests, pendingIds };
}

function detailsOf(refusal: Audited): Record<string, unknown> {
  switch (refusal.type) {
    case 'has-access':
      return { reason: refusal.type, until: refusal.until, extendable: refusal.extendable };
    case 'rate-limited':
      return {
        reason: refusal.type,
        requests: refusal.requests,
        perSeconds: refusal.perSeconds,
        retryAt: refusal.retryAt,
      };
    case 'too-many-pending':
      return { reason: refusal.type, max: refusal.max, pending: refusal.pendingIds };
  }
}

async function refuse(tx: CheckStores, requesterId: string, refusal: Audited) {
  await tx.audit.append({
    actor: requesterId,
    action: 'request.refused',
    outcome: 'refused',
    targetId: refusal.target.id,
    grantId: refusal.type === 'has-access' ? refusal.grantId : null,
    details: detailsOf(refusal),
  });
  return { refusal };
}

/**
 * Everything a valid request is checked against before it is created, inside the submit
 * transaction and under the person's lock, so it holds across replicas and concurrent submits.
 * A refusal is audited (the person as actor) and nobody else hears of it.
 */
export async function checkSubmit(
  tx: CheckStores,
  deps: Pick<RequestWorkflowDeps, 'catalog' | 'providers'>,
  check: SubmitCheck,
): Promise<{ route: ApprovedVia | undefined } | { refusal: SubmitRefusal }> {
  await tx.limits.lockRequester(check.requesterId);
  const routed = await routeAround(tx, deps, check);
  if ('refusal' in routed) return refuse(tx, check.requesterId, routed.refusal);
  // A second request for the same target is pointed at the first, as it always was.
  const existing = await tx.requests.findPending(check.requesterId, check.target.id);
  if (existing) return { refusal: { type: 'duplicate', existing, target: check.target } };
  const limited = await limits(tx, deps, check, routed.route);
  return limited ? refuse(tx, check.requesterId, limited) : routed;
}
