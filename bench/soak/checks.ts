/**
 * The verdict. What happened is read from the fakes' own records (the fake AWS's calls and the
 * schedules it fired, the fake Okta's calls, the fake Slack's calls, each timed as the fake made
 * it); jitbot's tables say only what was asked (which requests, their expiries). A call whose
 * answer never reached a live replica (the proxy saw it die) may be repeated by the replica that
 * takes over: such repeats are counted apart, not as violations, and each one is listed.
 */
import type pg from 'pg';
import { messageKey, type ProxiedCall } from './chaos-proxy.js';
import { EXPECTED_STATUS, type Lifecycle, type Outcome } from './lifecycles.js';
import type { ReplicaSet, Window } from './replicas.js';
import { IAM_GROUPS, iamUserOf, OKTA_GROUP_ID, type SoakWorld, TARGETS } from './world.js';

/** Access must be gone this long after its expiry at the latest. */
export const DEADLINE_MS = 5_000;
/** A replica that died this soon after an answer could not have recorded it. */
const DIED_WITH_ANSWER_MS = 1_000;
/** Expiries are kept to the millisecond in PostgreSQL and the fakes' clocks are this process's. */
const CLOCK_SLACK_MS = 1_000;
export const RSS_LIMIT_MB = 200;

interface RequestRow {
  id: string;
  requester_id: string;
  target_id: string;
  status: string;
  grant_id: string | null;
  created_at: Date;
  decided_at: Date | null;
  decision_reason: string | null;
}

interface GrantRow {
  id: string;
  request_id: string;
  target_id: string;
  requester_id: string;
  status: string;
  pre_existing: boolean | null;
  expires_at: Date;
  granted_at: Date | null;
  revoked_at: Date | null;
}

interface AuditRow {
  request_id: string | null;
  grant_id: string | null;
  action: string;
  outcome: string;
  occurred_at: Date;
  provider_request_id: string | null;
  /** For grant.revoked: what the removal found (`removed`, or `already-gone`). */
  removal: string | null;
}

export interface Violation {
  readonly rule: string;
  readonly detail: string;
}

export interface Verdict {
  readonly violations: Violation[];
  /** Repeats after a sender died with the answer (allowed), described. */
  readonly repeats: string[];
  /** Messages of different purposes with the same text and blocks (not duplicates), described. */
  readonly lookalikes: string[];
  /** Expiry (or Revoke now) -> removal in the fake, per ended grant. */
  readonly lagsMs: number[];
  readonly lifecyclesDone: number;
  readonly checks: ReadonlyMap<string, number>;
}

export interface CheckInput {
  readonly pool: pg.Pool;
  readonly world: SoakWorld;
  readonly proxied: readonly ProxiedCall[];
  readonly replicas: ReplicaSet;
  readonly lifecycles: readonly Lifecycle[];
  readonly outcomes: readonly Outcome[];
  /** When the soak stopped the replicas: no-replica windows from then on are the end, not a fault. */
  readonly runEnd: number;
}

/** A membership change in a fake: who, where, when, and the call that made it. */
interface Change {
  readonly at: number;
  readonly kind: 'add' | 'remove';
  readonly succeeded: boolean;
  readonly requestId: string | undefined;
  readonly via: string;
}

const RULES = [
  'decided as asked',
  'approved request granted exactly once',
  'no access without approval',
  'one add call per grant',
  'access ended within 5 s of expiry',
  'access not ended before expiry',
  'pre-existing membership kept',
  'groups hold only pre-existing members at the end',
  'no Slack message posted twice',
  'complete audit trail',
  'every provider call audited',
  'RSS under 200 MB',
  'no replica crashed by itself',
  'every step took effect',
] as const;
type Rule = (typeof RULES)[number];

export async function checkSoak(input: CheckInput): Promise<Verdict> {
  const { world, replicas, proxied } = input;
  const violations: Violation[] = [];
  const repeats: string[] = [];
  const lookalikes: string[] = [];
  const lagsMs: number[] = [];
  const checked = new Map<string, number>(RULES.map((rule) => [rule, 0]));
  const fail = (rule: Rule, detail: string) => violations.push({ rule, detail });
  const count = (rule: Rule, by = 1) => checked.set(rule, (checked.get(rule) ?? 0) + by);

  const { rows: requests } = await input.pool.query<RequestRow>(
    'SELECT id, requester_id, target_id, status::text, grant_id, created_at, decided_at, decision_reason FROM requests ORDER BY created_at',
  );
  const { rows: grants } = await input.pool.query<GrantRow>(
    `SELECT id, request_id, target_id, requester_id, status::text, pre_existing, expires_at, granted_at, revoked_at
       FROM grants ORDER BY created_at`,
  );
  const { rows: audits } = await input.pool.query<AuditRow>(
    `SELECT request_id, grant_id, action, outcome, occurred_at, details->>'providerRequestId' AS provider_request_id,
            details->>'removal' AS removal
       FROM audit_events ORDER BY id`,
  );
  const byRequester = <T extends { requester_id: string }>(rows: readonly T[]) => {
    const map = new Map<string, T[]>();
    for (const row of rows) map.set(row.requester_id, [...(map.get(row.requester_id) ?? []), row]);
    return map;
  };
  const requestsOf = byRequester(requests);
  const grantsOf = byRequester(grants);
  const auditsOf = new Map<string, AuditRow[]>();
  for (const audit of audits) {
    for (const key of [audit.request_id, audit.grant_id]) {
      if (key) auditsOf.set(key, [...(auditsOf.get(key) ?? []), audit]);
    }
  }
  const auditedIds = new Set(audits.map((audit) => audit.provider_request_id).filter((id) => id !== null));
  const proxiedById = new Map(
    proxied.filter((call) => call.upstreamId).map((call) => [call.upstreamId, call]),
  );
  const allDown = replicas.allDown.filter((window) => window.from < input.runEnd);

  /** Whether the replica that made this call never heard its answer in time to record it. */
  const answerLost = (call: ProxiedCall | undefined): boolean => {
    if (!call) return false;
    if (call.answeredAt === undefined) return true;
    const died = replicas.diedAt(call.slot, call.incarnation);
    return died !== undefined && died - call.answeredAt < DIED_WITH_ANSWER_MS;
  };

  const changesFor = (lifecycle: Lifecycle): Change[] => {
    const where = TARGETS[lifecycle.target];
    if ('group' in where) {
      const user = iamUserOf(lifecycle.requester);
      const calls = world.aws.calls
        .filter(
          (call) =>
            (call.action === 'AddUserToGroup' || call.action === 'RemoveUserFromGroup') &&
            call.params.GroupName === where.group &&
            call.params.UserName === user,
        )
        .map(
          (call): Change => ({
            at: world.awsAt.get(call) ?? 0,
            kind: call.action === 'AddUserToGroup' ? 'add' : 'remove',
            succeeded: call.status === 200,
            requestId: call.requestId,
            via: `${call.action} ${call.status}${call.errorCode ? ` ${call.errorCode}` : ''}`,
          }),
        );
      const fired = world.fired
        .filter((removal) => removal.group === where.group && removal.user === user)
        .map(
          (removal): Change => ({
            at: removal.at,
            kind: 'remove',
            succeeded: removal.outcome === 'removed',
            requestId: undefined,
            via: `backstop schedule fired (${removal.outcome})`,
          }),
        );
      return [...calls, ...fired].sort((a, b) => a.at - b.at);
    }
    const oktaUser = [...world.oktaUsers].find(([, slackUser]) => slackUser === lifecycle.requester)?.[0];
    if (oktaUser === undefined) return [];
    const path = `/api/v1/groups/${where.okta}/users/${oktaUser}`;
    return world.okta.calls
      .filter(
        (call) =>
          call.path === path &&
          (call.operation === 'assignUserToGroup' || call.operation === 'unassignUserFromGroup'),
      )
      .map(
        (call): Change => ({
          at: call.at,
          kind: call.operation === 'assignUserToGroup' ? 'add' : 'remove',
          succeeded: call.status >= 200 && call.status < 300,
          requestId: call.requestId,
          via: `${call.operation} ${call.status}`,
        }),
      );
  };

  const deadlineFor = (expiry: number): number => {
    let deadline = expiry + DEADLINE_MS;
    // While no replica was up, the clock stops: the access must go within 5 s of one coming back.
    for (const window of allDown as Window[]) {
      if (window.from < deadline && window.to > expiry)
        deadline = Math.max(deadline, window.to + DEADLINE_MS);
    }
    return deadline;
  };
  const iso = (at: number) => new Date(at).toISOString().slice(11, 23);
  const timeline = (changes: readonly Change[]) =>
    changes.map((c) => `${iso(c.at)} ${c.via}`).join('; ') || 'none';

  let lifecyclesDone = 0;
  for (const [index, lifecycle] of input.lifecycles.entries()) {
    const outcome = input.outcomes[index];
    const name = `#${lifecycle.index} ${lifecycle.kind} (${lifecycle.requester}, ${lifecycle.target})`;
    const mine = requestsOf.get(lifecycle.requester) ?? [];
    const myGrants = (grantsOf.get(lifecycle.requester) ?? []).sort(
      (a, b) => (a.granted_at?.getTime() ?? 0) - (b.granted_at?.getTime() ?? 0),
    );
    const changes = changesFor(lifecycle);
    const where = TARGETS[lifecycle.target];
    const preExisting =
      'group' in where && world.preExisting.has(`${where.group}\t${iamUserOf(lifecycle.requester)}`);
    const before = violations.length;

    count('every step took effect');
    if (!outcome?.driven) fail('every step took effect', `${name}: ${outcome?.problem ?? 'never finished'}`);

    // Decided as asked.
    const expected = EXPECTED_STATUS[lifecycle.kind];
    for (const request of mine) {
      count('decided as asked');
      if (request.status !== expected)
        fail(
          'decided as asked',
          `${name}: ${request.id} ended ${request.status}${request.decision_reason ? ` (${request.decision_reason})` : ''}, the person's steps make it ${expected}`,
        );
    }

    // Membership intervals in the fake.
    const intervals: { from: number; to: number | undefined }[] = [];
    for (const change of changes) {
      if (!change.succeeded) continue;
      const open = intervals.at(-1);
      if (change.kind === 'add' && (open === undefined || open.to !== undefined))
        intervals.push({ from: change.at, to: undefined });
      else if (change.kind === 'remove' && open !== undefined && open.to === undefined) open.to = change.at;
    }
    const memberAfter = (at: number) =>
      preExisting || intervals.some((i) => i.to === undefined || i.to >= at);

    const approved = mine.filter((request) => request.status === 'approved');
    for (const request of approved) {
      count('approved request granted exactly once');
      const grant = grants.find((g) => g.id === request.grant_id);
      if (
        !grant?.granted_at ||
        !memberAfter((request.decided_at ?? request.created_at).getTime() - CLOCK_SLACK_MS)
      )
        fail(
          'approved request granted exactly once',
          `${name}: ${request.id} was approved but the fake shows no membership for it (grant ${request.grant_id ?? 'none'} ${grant?.status ?? ''}); calls: ${timeline(changes)}`,
        );
    }
    if (approved.length === 0) {
      count('no access without approval');
      if (changes.some((c) => c.kind === 'add'))
        fail('no access without approval', `${name}: nothing was approved, yet: ${timeline(changes)}`);
    }

    // One add call per grant made fresh; none for a joined or pre-existing one.
    const fresh = myGrants.filter((grant) => grant.pre_existing === false && grant.granted_at !== null);
    const adds = changes.filter((change) => change.kind === 'add');
    count('one add call per grant', Math.max(1, fresh.length));
    if (adds.length !== fresh.length) {
      const extra = adds.length - fresh.length;
      // An add repeated because the one before it never reached a live replica's records is allowed.
      const excused = adds.filter(
        (_add, position) => position > 0 && answerLost(proxiedById.get(adds[position - 1]?.requestId)),
      );
      if (extra > 0 && excused.length >= extra)
        repeats.push(
          `${name}: AddUserToGroup repeated after its sender died with the answer: ${timeline(adds)}`,
        );
      else
        fail(
          'one add call per grant',
          `${name}: ${adds.length} add calls for ${fresh.length} grant(s) made fresh (${myGrants.map((g) => `${g.id} pre_existing=${g.pre_existing}`).join(', ') || 'no grant'}): ${timeline(changes)}`,
        );
    }

    // Each fresh grant's access ended by its deadline, and not before its expiry.
    for (const [position, grant] of fresh.entries()) {
      const interval = intervals[position];
      const grantAudits = auditsOf.get(grant.id) ?? [];
      const revokeNow = grantAudits.find(
        (audit) => audit.action === 'grant.revoke-now' && audit.outcome === 'ok',
      );
      const expiry = Math.min(
        grant.expires_at.getTime(),
        revokeNow?.occurred_at.getTime() ?? Number.POSITIVE_INFINITY,
      );
      count('access ended within 5 s of expiry');
      if (interval?.to === undefined) {
        fail(
          'access ended within 5 s of expiry',
          `${name}: ${grant.id} (expired ${grant.expires_at.toISOString()}, status ${grant.status}) still held at the end; calls: ${timeline(changes)}`,
        );
        continue;
      }
      const lag = interval.to - expiry;
      lagsMs.push(lag);
      if (interval.to > deadlineFor(expiry))
        fail(
          'access ended within 5 s of expiry',
          `${name}: ${grant.id} ended ${(lag / 1000).toFixed(1)} s after ${revokeNow ? 'Revoke now' : 'its expiry'} (${iso(expiry)}); calls: ${timeline(changes)}`,
        );
      count('access not ended before expiry');
      if (
        !revokeNow &&
        grant.status !== 'failed' &&
        interval.to < grant.expires_at.getTime() - CLOCK_SLACK_MS
      )
        fail(
          'access not ended before expiry',
          `${name}: ${grant.id} ended at ${iso(interval.to)}, before its expiry ${iso(grant.expires_at.getTime())}; calls: ${timeline(changes)}`,
        );
    }

    if (preExisting) {
      count('pre-existing membership kept');
      const removed = changes.filter((change) => change.kind === 'remove' && change.succeeded);
      if (removed.length > 0 || adds.length > 0)
        fail(
          'pre-existing membership kept',
          `${name}: the membership it had before was touched: ${timeline(changes)}`,
        );
    }

    // The audit trail of each request and grant.
    for (const request of mine) {
      count('complete audit trail');
      const actions = new Set((auditsOf.get(request.id) ?? []).map((audit) => audit.action));
      const decision = {
        approved: ['request.approved', 'request.auto-approved', 'request.breakglass'],
        denied: ['request.denied'],
        cancelled: ['request.cancelled'],
        expired: ['request.expired'],
      }[request.status as 'approved'] ?? ['request.failed'];
      const missing = [
        ...(actions.has('request.submitted') ? [] : ['request.submitted']),
        ...(decision.some((action) => actions.has(action)) ? [] : [decision.join(' or ')]),
      ];
      if (missing.length > 0)
        fail(
          'complete audit trail',
          `${name}: ${request.id} (${request.status}) has no ${missing.join(', ')}`,
        );
    }
    for (const grant of myGrants) {
      const actions = new Set(
        (auditsOf.get(grant.id) ?? []).filter((audit) => audit.outcome === 'ok').map((audit) => audit.action),
      );
      const provider =
        'group' in where
          ? ['aws.iam.AddUserToGroup', 'aws.iam.RemoveUserFromGroup']
          : ['okta.assignUserToGroup', 'okta.unassignUserFromGroup'];
      const needed = [
        ...(grant.granted_at ? ['grant.activated'] : []),
        ...(grant.status === 'revoked' ? ['grant.revoked'] : []),
        ...(grant.pre_existing === false && grant.granted_at ? [provider[0] as string] : []),
      ];
      // After a replica died between its add call and that call's audit row, the next try finds
      // the access in place and records that instead of adding a second time.
      if (actions.has('grant.add-found')) actions.add(provider[0] as string);
      const missing = needed.filter((action) => !actions.has(action));
      // As for adds: after a replica died between its removal and that call's row, the next try
      // finds the access gone and says so (an Okta removal reads the membership first). A call
      // that was made and never audited is caught by "every provider call audited", from the fakes.
      const removalAudited = (auditsOf.get(grant.id) ?? []).some(
        (audit) =>
          audit.action === provider[1] ||
          (audit.action === 'grant.revoked' && audit.removal === 'already-gone'),
      );
      if (grant.pre_existing === false && grant.status === 'revoked' && !removalAudited)
        missing.push(provider[1] as string);
      count('complete audit trail');
      if (missing.length > 0)
        fail(
          'complete audit trail',
          `${name}: grant ${grant.id} (${grant.status}) has no ${missing.join(', ')}`,
        );
    }

    if (violations.length === before && outcome?.driven) lifecyclesDone += 1;
  }

  // Every membership change the fakes made is in the audit log, unless its sender died with the answer.
  const changed = [
    ...world.aws.calls
      .filter(
        (call) =>
          (call.action === 'AddUserToGroup' || call.action === 'RemoveUserFromGroup') && call.status === 200,
      )
      .map((call) => ({ id: call.requestId, what: `${call.action} ${String(call.params.UserName)}` })),
    ...world.okta.calls
      .filter(
        (call) =>
          (call.operation === 'assignUserToGroup' || call.operation === 'unassignUserFromGroup') &&
          call.status < 300,
      )
      .map((call) => ({ id: call.requestId, what: `${call.operation} ${call.path}` })),
  ];
  for (const call of changed) {
    count('every provider call audited');
    if (auditedIds.has(call.id)) continue;
    if (answerLost(proxiedById.get(call.id)))
      repeats.push(`${call.what} (${call.id}): its sender died with the answer, so it is not audited`);
    else
      fail(
        'every provider call audited',
        `${call.what}: the fake's request id ${call.id} is in no audit event`,
      );
  }

  // At the end, nobody is in a group but the members it had before jitbot was asked.
  for (const group of IAM_GROUPS) {
    count('groups hold only pre-existing members at the end');
    const extra = [...(world.iam.groups.get(group) ?? [])].filter(
      (user) => !world.preExisting.has(`${group}\t${user}`),
    );
    if (extra.length > 0)
      fail(
        'groups hold only pre-existing members at the end',
        `${group} still holds ${extra.length}: ${extra.slice(0, 10).join(', ')}`,
      );
  }
  count('groups hold only pre-existing members at the end');
  if (world.oktaGroup.members.size > 0)
    fail(
      'groups hold only pre-existing members at the end',
      `Okta group ${OKTA_GROUP_ID} still holds ${world.oktaGroup.members.size}: ${[...world.oktaGroup.members].slice(0, 10).join(', ')}`,
    );

  // No message posted twice to the fake Slack. The fake answers each call with a ts made of its
  // place in the call list; jitbot's slack_messages says which purpose it posted under that ts.
  const { rows: purposes } = await input.pool.query<{ ts: string; purpose: string }>(
    "SELECT ts, purpose FROM slack_messages WHERE ts <> ''",
  );
  const purposeOf = new Map(purposes.map((row) => [row.ts, row.purpose]));
  const posts = new Map<string, { at: number; purpose: string }[]>();
  for (const [index, call] of world.slack.calls.entries()) {
    if (call.method !== 'chat.postMessage') continue;
    const key = messageKey(call.args);
    const ts = `1700000000.${String(index + 1).padStart(6, '0')}`;
    const post = { at: world.slackAt.get(call) ?? 0, purpose: purposeOf.get(ts) ?? 'unrecorded' };
    posts.set(key, [...(posts.get(key) ?? []), post]);
  }
  count('no Slack message posted twice', posts.size);
  for (const [key, copies] of posts) {
    if (copies.length < 2) continue;
    const times = copies.map((copy) => copy.at);
    const kinds = copies.map((copy) => copy.purpose);
    // Two purposes that happen to look alike (a receipt drawn after a quick approval, and the
    // decision notice) are two messages by the definition used here: same recipient, request, purpose.
    if (!kinds.includes('unrecorded') && new Set(kinds).size === kinds.length) {
      lookalikes.push(`${kinds.join(' + ')}: ${JSON.parse(key)[2].slice(0, 100)}`);
      continue;
    }
    const [channel, thread, text] = JSON.parse(key) as [string, string, string];
    const sent = proxied.filter((call) => call.messageKey === key);
    const excused = sent.slice(0, -1).filter((call) => answerLost(call)).length >= times.length - 1;
    const about = `${times.length} times (${kinds.join(', ')}) to ${channel}${thread ? ` (thread ${thread})` : ''} at ${times.map(iso).join(', ')}: "${text.slice(0, 140)}"; senders ${sent.map((call) => `${call.slot}#${call.incarnation} answered ${call.answeredAt ? iso(call.answeredAt) : 'never'}, died ${iso(replicas.diedAt(call.slot, call.incarnation) ?? 0)}`).join('; ')}`;
    if (excused) repeats.push(`posted again after its sender died with the answer: ${about}`);
    else fail('no Slack message posted twice', about);
  }

  for (const slot of replicas.slots) {
    count('RSS under 200 MB');
    if (slot.peakRssMb >= RSS_LIMIT_MB)
      fail('RSS under 200 MB', `replica ${slot.setup.name} reached ${slot.peakRssMb.toFixed(0)} MB`);
    count('no replica crashed by itself');
    for (const crash of slot.crashes) fail('no replica crashed by itself', crash);
  }

  return { violations, repeats, lookalikes, lagsMs, lifecyclesDone, checks: checked };
}
