import { appendAudit } from '../db/audit-repository.js';
import { claimFinding, findLiveGrantOf, reopenFinding, settleFinding } from '../db/drift-repository.js';
import { findGrant, revokeEarly } from '../db/grants-repository.js';
import { findAccount, findTarget, type Target } from '../domain/catalog.js';
import type { Finding } from '../domain/drift.js';
import { REMOVED_OUTSIDE_JITBOT, type StoredGrant } from '../domain/grant.js';
import { grantStep } from '../domain/grant-state.js';
import { describeError } from '../errors.js';
import { type AccessProvider, type CallContext, providerFor } from '../ports/access-provider.js';
import { reachesResource } from './grant-resource.js';
import type { ReconcileDeps } from './reconcile.js';

export interface FixOutcome {
  readonly key: string;
  readonly ok: boolean;
  /** What was done, or why it could not be: one sentence for the CLI and the admin channel. */
  readonly words: string;
}

type Reach = { readonly target: Target; readonly provider: AccessProvider } | { readonly problem: string };

/**
 * The target that reaches `resource` (as a grant or a reading recorded it), and its provider; or
 * why none does. The target of that id first; one renamed since is found by what it grants. A
 * target that now grants something else never stands in for what was read.
 */
function reach(deps: ReconcileDeps, targetId: string | undefined, resource?: string): Reach {
  const current = targetId ? findTarget(deps.catalog, targetId) : undefined;
  if (current && !resource) return { target: current, provider: providerFor(deps.providers, current) };
  const candidates = current ? [current, ...deps.catalog.targets] : deps.catalog.targets;
  for (const candidate of candidates) {
    const provider = providerFor(deps.providers, candidate);
    const target = resource ? provider.asGranted(candidate, resource) : undefined;
    if (target && resource && reachesResource(provider, target, resource)) return { target, provider };
  }
  return {
    problem: current
      ? `target ${current.id} now grants something else than ${resource}, which was read`
      : `no target in the catalog grants ${resource ?? targetId ?? '(unknown)'} any more`,
  };
}

function contextOf(grant: StoredGrant | undefined, actor: string): CallContext {
  return {
    requestId: grant?.latestRequestId ?? 'drift',
    ...(grant ? { grantId: grant.id } : {}),
    actor,
    ...(grant?.providerState ? { state: grant.providerState } : {}),
  };
}

/** A live grant whose access is gone: ended as removed outside jitbot; the revoker finishes and tells people. */
async function endLostGrant(deps: ReconcileDeps, grant: StoredGrant, actor: string): Promise<string> {
  const ended = await revokeEarly(deps.pool, {
    id: grant.id,
    actor,
    reason: REMOVED_OUTSIDE_JITBOT,
    step: grantStep({ type: 'revoke-now' }),
  });
  return ended
    ? `ended grant ${grant.id}: its access was removed outside jitbot; the holder is told`
    : `grant ${grant.id} had already ended`;
}

async function removeAgain(deps: ReconcileDeps, grant: StoredGrant, actor: string): Promise<string> {
  const reached = reach(deps, grant.targetId, grant.resource);
  if ('problem' in reached)
    throw new Error(`${reached.problem}: take ${grant.principal}'s access away by hand`);
  const result = await reached.provider.revoke(reached.target, grant.principal, contextOf(grant, actor));
  return `${result === 'removed' ? 'removed' : 'found already gone'}: ${grant.principal}'s access of ended grant ${grant.id}`;
}

async function deleteSchedule(deps: ReconcileDeps, grant: StoredGrant, actor: string): Promise<string> {
  const reached = reach(deps, grant.targetId, grant.resource);
  const backstop = 'problem' in reached ? undefined : reached.provider.backstop;
  if ('problem' in reached || !backstop)
    throw new Error(
      `${'problem' in reached ? reached.problem : 'its kind has no backstop'}: delete it by hand (aws scheduler delete-schedule --group-name jitbot --name jitbot-${grant.id})`,
    );
  await backstop.clear(reached.target, grant.id, contextOf(grant, actor));
  return `deleted schedule jitbot-${grant.id} of ended grant ${grant.id}`;
}

async function deletePolicy(
  deps: ReconcileDeps,
  grant: StoredGrant,
  arn: string,
  actor: string,
): Promise<string> {
  const reached = reach(deps, grant.targetId, grant.resource);
  if ('problem' in reached) throw new Error(`${reached.problem}: delete ${arn} by hand`);
  // The generated policy's own removal: detached from the grant's user, then deleted.
  await reached.provider.revoke(reached.target, grant.principal, { ...contextOf(grant, actor), state: arn });
  return `deleted generated policy ${arn} of ended grant ${grant.id}`;
}

/** Someone else holds a live grant's generated policy: it is detached from them, the grant's holder keeps it. */
async function detachFromOther(deps: ReconcileDeps, finding: Finding, actor: string): Promise<string> {
  const account = finding.account ? findAccount(deps.catalog, finding.account) : undefined;
  if (!account || !deps.inventory || !finding.policyArn || !finding.principal)
    throw new Error(`account ${finding.account ?? '(unknown)'} is not in the catalog: detach it by hand`);
  const result = await deps.inventory.detachGeneratedPolicy(account, finding.policyArn, finding.principal, {
    requestId: 'drift',
    actor,
  });
  return `${result === 'removed' ? 'detached' : 'found already detached'}: ${finding.policyArn} from ${finding.principal}`;
}

async function removeStanding(deps: ReconcileDeps, finding: Finding, actor: string): Promise<string> {
  if (finding.policyArn) return detachFromOther(deps, finding, actor);
  const reached = reach(deps, finding.targetId, finding.resource);
  if ('problem' in reached) throw new Error(reached.problem);
  const principal = finding.principal ?? '';
  const result = await reached.provider.revoke(reached.target, principal, contextOf(undefined, actor));
  return `${result === 'removed' ? 'removed' : 'found already gone'}: ${finding.name ?? principal}'s standing access to ${reached.target.id}`;
}

async function apply(deps: ReconcileDeps, finding: Finding, actor: string): Promise<string> {
  if (finding.kind === 'standing-access') return removeStanding(deps, finding, actor);
  const grant = finding.grantId ? await findGrant(deps.pool, finding.grantId) : undefined;
  if (!grant) throw new Error(`grant ${finding.grantId ?? '(none)'} is not in this database`);
  switch (finding.kind) {
    case 'lost-grant':
      return endLostGrant(deps, grant, actor);
    case 'stuck-expiry':
      return removeAgain(deps, grant, actor);
    case 'orphan-schedule':
      return deleteSchedule(deps, grant, actor);
    case 'orphan-policy':
      return deletePolicy(deps, grant, finding.policyArn ?? '', actor);
    default:
      throw new Error(`jitbot does not fix ${finding.kind} findings`);
  }
}

/**
 * Fixes one finding, audited (`drift.fixed` or `drift.fix-failed`) with who decided: `jitbot`
 * for the periodic run, the admin who ran `jitbot reconcile --fix` or clicked Remove.
 */
export async function fixFinding(deps: ReconcileDeps, finding: Finding, actor: string): Promise<FixOutcome> {
  if (!(await claimFinding(deps.pool, finding.key, actor)))
    return {
      key: finding.key,
      ok: false,
      words: `"${finding.words}" was already being fixed, or is no longer open: nothing done`,
    };
  try {
    const explained = await explainedNow(deps, finding);
    if (explained) {
      await settleFinding(deps.pool, finding.key, explained);
      return {
        key: finding.key,
        ok: true,
        words: `${finding.principal ?? ''} ${explained}: left in place`.trim(),
      };
    }
    const words = await apply(deps, finding, actor);
    await settleFinding(deps.pool, finding.key, `fixed by ${actor}`);
    await appendAudit(deps.pool, {
      actor,
      action: 'drift.fixed',
      outcome: 'ok',
      targetId: finding.targetId ?? null,
      grantId: finding.grantId ?? null,
      details: { key: finding.key, kind: finding.kind, words },
    });
    return { key: finding.key, ok: true, words };
  } catch (error) {
    await reopenFinding(deps.pool, finding.key);
    const words = `could not fix "${finding.words}": ${describeError(error)}`;
    deps.logger.warn({ err: error, finding: finding.key }, 'a drift finding could not be fixed');
    await appendAudit(deps.pool, {
      actor,
      action: 'drift.fix-failed',
      outcome: 'error',
      targetId: finding.targetId ?? null,
      grantId: finding.grantId ?? null,
      details: { key: finding.key, kind: finding.kind, error: describeError(error) },
    });
    return { key: finding.key, ok: false, words };
  }
}

/**
 * Since the finding was made, a grant may give the same access to the same person (a request
 * approved meanwhile): then removing it would take away what someone approved. Not for a
 * generated policy held by someone else: that policy is one grant's alone.
 */
async function explainedNow(deps: ReconcileDeps, finding: Finding): Promise<string | undefined> {
  if (finding.kind !== 'standing-access' && finding.kind !== 'stuck-expiry') return undefined;
  if (finding.policyArn || !finding.principal) return undefined;
  const resource =
    finding.resource ??
    (finding.grantId ? (await findGrant(deps.pool, finding.grantId))?.resource : undefined);
  if (!resource) return undefined;
  const live = await findLiveGrantOf(deps.pool, resource, finding.principal);
  return live ? `now holds it through grant ${live}` : undefined;
}
