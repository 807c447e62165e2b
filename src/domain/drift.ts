/**
 * Drift: what AWS and Okta say against what jitbot granted. Pure: the caller reads the targets'
 * holders, the schedules and the generated policies, and the grants behind them; these rules say
 * what is wrong. Healing is the caller's: a finding only says what jitbot does about it.
 */

import { formatInstant } from './duration.js';
import { GENERATED_POLICY_PATH } from './generated-policy.js';
import { BACKSTOP_GRACE_SECONDS } from './grant-timing.js';
import { GRANT_ID_PATTERN } from './request-id.js';

export type FindingKind =
  /** First reconcile of a target: a holder without a grant is recorded as pre-existing, reported once, never removed. */
  | 'adopted'
  | 'standing-access'
  | 'lost-grant'
  | 'stuck-expiry'
  | 'orphan-schedule'
  | 'orphan-policy'
  /** A jitbot-named schedule whose grant this database does not know: another install's, maybe. Never deleted. */
  | 'unknown-schedule'
  /** The same for a generated policy. */
  | 'unknown-policy';

/** Findings are listed in this order, then by key. */
const KIND_ORDER: readonly FindingKind[] = [
  'adopted',
  'standing-access',
  'lost-grant',
  'stuck-expiry',
  'orphan-schedule',
  'orphan-policy',
  'unknown-schedule',
  'unknown-policy',
];

export interface Holder {
  /** As grants record it. */
  readonly principal: string;
  /** As people and `standingMembers` write it: IAM user name, Okta login, Identity Center user name. */
  readonly name: string;
}

export interface TargetReading {
  readonly targetId: string;
  /** The target's shared resource string; its grants record the same. */
  readonly resource: string;
  readonly holders: readonly Holder[];
  /** From the catalog: names (or principals) that may stay. */
  readonly standingMembers: readonly string[];
  /** False: never reconciled before, so holders without a grant are adopted. */
  readonly baselined: boolean;
  /** Principals adopted earlier: pre-existing, never removed. */
  readonly baseline: readonly string[];
}

export interface GrantFacts {
  readonly id: string;
  readonly targetId: string;
  readonly resource: string;
  readonly principal: string;
  readonly status: 'pending' | 'active' | 'revoking' | 'revoked' | 'failed';
  readonly preExisting: boolean | null;
  readonly added: boolean | null;
  /** Whether jitbot ever sent the add call: with `preExisting` and `added`, whether jitbot may have added it. */
  readonly addAttempted: boolean;
  readonly expiresAt: Date;
  /** revoked_at, or when it failed. */
  readonly endedAt: Date | null;
  /** jitbot's last change to this membership (added, extended, removed): readings within the grace after it are not trusted. */
  readonly changedAt: Date;
}

/** `name` as in AWS: jitbot-<grant id>. */
export interface ScheduleSeen {
  readonly account: string;
  readonly name: string;
}

/** Named jitbot-<grant id> or jitbot-<grant id>-<stamp>, under /jit/generated/. */
export interface GeneratedPolicySeen {
  readonly account: string;
  readonly arn: string;
  readonly attachedTo: readonly string[];
}

export interface DriftInput {
  readonly now: Date;
  readonly readings: readonly TargetReading[];
  /** Every grant of the read resources that is live or ended recently enough to matter, and those named by schedules and policies seen. */
  readonly grants: readonly GrantFacts[];
  readonly schedules: readonly ScheduleSeen[];
  readonly generatedPolicies: readonly GeneratedPolicySeen[];
  /**
   * Targets whose grants each hold a generated policy, in accounts whose policies were listed
   * this run: their live grants are checked against the policies seen. Absent: none.
   */
  readonly perRequestTargets?: readonly string[];
}

export interface Finding {
  readonly kind: FindingKind;
  /** Stable across runs for the same situation, so a finding seen again is not new. */
  readonly key: string;
  readonly targetId?: string;
  /** The access read back, as grants record it: a fix acts on exactly this, never on what the catalog says now. */
  readonly resource?: string;
  readonly principal?: string;
  readonly name?: string;
  readonly grantId?: string;
  readonly account?: string;
  readonly schedule?: string;
  readonly policyArn?: string;
  /** One plain sentence for the admin channel and the CLI: what was found and what jitbot does about it. */
  readonly words: string;
}

/** IAM is eventually consistent and Identity Center assigns asynchronously: 10 minutes after jitbot's last change. */
export const DRIFT_GRACE_SECONDS = 600;
/**
 * An ended grant explains a holder as a removal that did not stick only this long after it
 * ended; later, the access was most likely given again by hand: standing access, whose removal
 * is the admins' decision, not jitbot's.
 */
export const STUCK_WINDOW_SECONDS = 2 * 3600;
/** A schedule or policy is left behind once its grant ended more than this long ago. */
export const ORPHAN_AFTER_SECONDS = 600;

const LIVE: readonly GrantFacts['status'][] = ['pending', 'active', 'revoking'];

export function findDrift(input: DriftInput): Finding[] {
  const findings = [
    ...input.readings.flatMap((reading) => holderFindings(reading, input)),
    ...lostGrants(input),
    ...input.schedules.flatMap((schedule) => scheduleFinding(schedule, input)),
    ...input.generatedPolicies.flatMap((policy) => policyFinding(policy, input)),
    ...liveGeneratedPolicies(input),
  ];
  return sortedUnique(findings);
}

/** 'jitbot-GNT-ABCDEFGH' or 'jitbot-GNT-ABCDEFGH-20261206T160000Z' -> 'GNT-ABCDEFGH'; anything else: undefined. */
export function grantIdFromName(name: string): string | undefined {
  const grantId = /^jitbot-(GNT-[^-]+)(?:-\d{8}T\d{6}Z)?$/.exec(name)?.[1];
  return grantId !== undefined && GRANT_ID_PATTERN.test(grantId) ? grantId : undefined;
}

function holderFindings(reading: TargetReading, input: DriftInput): Finding[] {
  return reading.holders.flatMap((holder) => {
    const grants = input.grants.filter(
      (grant) => grant.resource === reading.resource && same(grant.principal, holder.principal),
    );
    const finding = holderFinding(reading, holder, grants, input.now);
    return finding === undefined ? [] : [finding];
  });
}

function holderFinding(
  reading: TargetReading,
  holder: Holder,
  grants: readonly GrantFacts[],
  now: Date,
): Finding | undefined {
  const latest = latestReadEnded(grants);
  if (isAllowed(reading, holder, grants) || latest?.preExisting === true) return undefined;
  if (grants.some((grant) => settling(grant, now))) return undefined;
  const { targetId } = reading;
  const about = { targetId, resource: reading.resource, principal: holder.principal, name: holder.name };
  if (
    latest !== undefined &&
    mayHaveAdded(latest) &&
    elapsedSeconds(endOf(latest), now) <= STUCK_WINDOW_SECONDS
  ) {
    const ended = formatInstant(endOf(latest));
    const words = `${holder.name} still holds ${targetId} although grant ${latest.id} ended at ${ended}: jitbot takes it away again`;
    return { kind: 'stuck-expiry', key: `stuck-expiry:${latest.id}`, ...about, grantId: latest.id, words };
  }
  if (!reading.baselined) {
    const words = `${holder.name} already held ${targetId} when jitbot first checked it: recorded as pre-existing, which jitbot never removes`;
    return { kind: 'adopted', key: `adopted:${targetId}:${holder.principal}`, ...about, words };
  }
  const words = `${holder.name} holds ${targetId} but jitbot did not grant it and ${holder.name} is not one of its standingMembers: reported until the access is removed or ${holder.name} is listed there`;
  return { kind: 'standing-access', key: `standing-access:${targetId}:${holder.principal}`, ...about, words };
}

/**
 * A live grant, the baseline or the catalog explains the holder. Standing members match without
 * regard to case: IAM user names and Okta logins are unique regardless of case, and a capital
 * letter must not get a listed member removed.
 */
function isAllowed(reading: TargetReading, holder: Holder, grants: readonly GrantFacts[]): boolean {
  if (grants.some((grant) => LIVE.includes(grant.status))) return true;
  if (reading.baseline.some((principal) => same(principal, holder.principal))) return true;
  const listed = new Set(reading.standingMembers.map((member) => member.toLowerCase()));
  return listed.has(holder.name.toLowerCase()) || listed.has(holder.principal.toLowerCase());
}

/**
 * The ended grant that read the membership last: pre-existing then, it is kept; jitbot's own,
 * it should be gone. A grant that never read it (preExisting null) never added it either.
 */
function latestReadEnded(grants: readonly GrantFacts[]): GrantFacts | undefined {
  return grants
    .filter((grant) => !LIVE.includes(grant.status) && grant.preExisting !== null)
    .reduce<GrantFacts | undefined>(
      (latest, grant) => (latest === undefined || endOf(grant) > endOf(latest) ? grant : latest),
      undefined,
    );
}

/** As the revoker decides it: only what jitbot may have added is ever taken away. */
function mayHaveAdded(grant: GrantFacts): boolean {
  return grant.preExisting === false && grant.addAttempted && grant.added !== false;
}

function lostGrants(input: DriftInput): Finding[] {
  const holdersOf = new Map<string, Set<string>>();
  for (const reading of input.readings) {
    const holders = holdersOf.get(reading.resource) ?? new Set<string>();
    for (const holder of reading.holders) holders.add(holder.principal.toLowerCase());
    holdersOf.set(reading.resource, holders);
  }
  return input.grants.flatMap((grant) => {
    const holders = holdersOf.get(grant.resource);
    if (holders === undefined || holders.has(grant.principal.toLowerCase())) return [];
    if (grant.status !== 'active' || grant.preExisting === true || grant.added === false) return [];
    // After expiry and the backstop's delay the backstop ended it; the normal revocation closes it.
    const backstopAt = grant.expiresAt.getTime() + BACKSTOP_GRACE_SECONDS * 1000;
    if (settling(grant, input.now) || input.now.getTime() >= backstopAt) return [];
    const words = `${grant.principal}'s grant ${grant.id} of ${grant.targetId} is active but the access is gone, removed outside jitbot: jitbot ends the grant and tells its holder`;
    const { id: grantId, targetId, principal } = grant;
    return [
      { kind: 'lost-grant' as const, key: `lost-grant:${grantId}`, targetId, principal, grantId, words },
    ];
  });
}

function scheduleFinding(schedule: ScheduleSeen, input: DriftInput): Finding[] {
  const grantId = grantIdFromName(schedule.name);
  if (grantId === undefined) return [];
  const { account, name } = schedule;
  const about = { account, schedule: name, grantId };
  const grant = input.grants.find(({ id }) => id === grantId);
  if (grant === undefined) {
    const words = `schedule ${name} in account ${account} names grant ${grantId}, which this jitbot does not know (another install in the account?): reported, never deleted`;
    return [{ kind: 'unknown-schedule', key: `unknown-schedule:${account}:${name}`, ...about, words }];
  }
  if (!isLeftBehind(grant, input.now)) return [];
  const words = `schedule ${name} in account ${account} belongs to grant ${grantId}, which ended at ${formatInstant(endOf(grant))}: jitbot deletes it, so it cannot end a later grant early`;
  return [
    {
      kind: 'orphan-schedule',
      key: `orphan-schedule:${account}:${name}`,
      targetId: grant.targetId,
      ...about,
      words,
    },
  ];
}

function policyFinding(policy: GeneratedPolicySeen, input: DriftInput): Finding[] {
  const name = generatedPolicyNameOf(policy.arn);
  const grantId = name === undefined ? undefined : grantIdFromName(name);
  if (name === undefined || grantId === undefined) return [];
  const { account, arn } = policy;
  const about = { account, policyArn: arn, grantId };
  const attached =
    policy.attachedTo.length === 0 ? 'attached to nobody' : `attached to ${policy.attachedTo.join(', ')}`;
  const grant = input.grants.find(({ id }) => id === grantId);
  if (grant === undefined) {
    const words = `generated policy ${name} in account ${account} (${attached}) names grant ${grantId}, which this jitbot does not know (another install in the account?): reported, never deleted`;
    return [{ kind: 'unknown-policy', key: `unknown-policy:${arn}`, ...about, words }];
  }
  if (!isLeftBehind(grant, input.now)) return [];
  const words = `generated policy ${name} in account ${account} (${attached}) belongs to grant ${grantId}, which ended at ${formatInstant(endOf(grant))}: jitbot detaches and deletes it`;
  return [{ kind: 'orphan-policy', key: `orphan-policy:${arn}`, targetId: grant.targetId, ...about, words }];
}

/** The policy's name when it lives under /jit/generated/: only jitbot makes policies there. */
function generatedPolicyNameOf(arn: string): string | undefined {
  const marker = `:policy${GENERATED_POLICY_PATH}`;
  const at = arn.indexOf(marker);
  return at === -1 ? undefined : arn.slice(at + marker.length);
}

/** A live grant keeps its schedule (a failing revocation keeps its backstop) and its policy. */
function isLeftBehind(grant: GrantFacts, now: Date): boolean {
  return !LIVE.includes(grant.status) && elapsedSeconds(endOf(grant), now) > ORPHAN_AFTER_SECONDS;
}

function settling(grant: GrantFacts, now: Date): boolean {
  const last = grant.endedAt !== null && grant.endedAt > grant.changedAt ? grant.endedAt : grant.changedAt;
  return elapsedSeconds(last, now) <= DRIFT_GRACE_SECONDS;
}

/** An ended grant without its end recorded counts from jitbot's last change to it. */
function endOf(grant: GrantFacts): Date {
  return grant.endedAt ?? grant.changedAt;
}

function elapsedSeconds(since: Date, now: Date): number {
  return (now.getTime() - since.getTime()) / 1000;
}

function sortedUnique(findings: readonly Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const finding of findings) if (!byKey.has(finding.key)) byKey.set(finding.key, finding);
  return [...byKey.values()].sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/**
 * A live grant's generated policy is its holder's alone: attached to anyone else it is standing
 * access (reported, and detached from them only by a fix); a grant that is active before its
 * backstop's time but whose policies are attached to its holder no more was removed outside jitbot.
 */
function liveGeneratedPolicies(input: DriftInput): Finding[] {
  const targets = new Set(input.perRequestTargets ?? []);
  const policiesOf = new Map<string, GeneratedPolicySeen[]>();
  for (const policy of input.generatedPolicies) {
    const name = generatedPolicyNameOf(policy.arn);
    const grantId = name === undefined ? undefined : grantIdFromName(name);
    if (grantId !== undefined) policiesOf.set(grantId, [...(policiesOf.get(grantId) ?? []), policy]);
  }
  return input.grants
    .filter(
      (grant) => targets.has(grant.targetId) && LIVE.includes(grant.status) && !settling(grant, input.now),
    )
    .flatMap((grant) => {
      const policies = policiesOf.get(grant.id) ?? [];
      return [...othersHolding(grant, policies), ...lostPolicy(grant, policies, input.now)];
    });
}

function othersHolding(grant: GrantFacts, policies: readonly GeneratedPolicySeen[]): Finding[] {
  return policies.flatMap((policy) =>
    policy.attachedTo
      .filter((user) => !same(user, grant.principal))
      .map((user) => ({
        kind: 'standing-access' as const,
        key: `standing-access:${grant.targetId}:${user}:${policy.arn}`,
        targetId: grant.targetId,
        principal: user,
        name: user,
        account: policy.account,
        policyArn: policy.arn,
        words: `${user} holds generated policy ${generatedPolicyNameOf(policy.arn)} of ${grant.principal}'s grant ${grant.id} (${grant.targetId}), which jitbot attached to ${grant.principal} alone: reported until it is detached from ${user}`,
      })),
  );
}

function lostPolicy(grant: GrantFacts, policies: readonly GeneratedPolicySeen[], now: Date): Finding[] {
  if (grant.status !== 'active' || !mayHaveAdded(grant)) return [];
  if (policies.some((policy) => policy.attachedTo.some((user) => same(user, grant.principal)))) return [];
  if (now.getTime() >= grant.expiresAt.getTime() + BACKSTOP_GRACE_SECONDS * 1000) return [];
  const { id: grantId, targetId, principal } = grant;
  const words = `${principal}'s grant ${grantId} of ${targetId} is active but its generated policy is no longer attached to ${principal}, removed outside jitbot: jitbot ends the grant and tells its holder`;
  return [{ kind: 'lost-grant', key: `lost-grant:${grantId}`, targetId, principal, grantId, words }];
}

/**
 * Principals compared as the systems compare them: IAM user names are unique regardless of case
 * (and a Slack email may name one in another case than IAM stores it); Okta and Identity Store
 * ids never differ only in case.
 */
function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
