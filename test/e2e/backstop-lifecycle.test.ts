/**
 * The backstop schedule through a revocation that fails and a CreateSchedule whose answer is lost
 * (invariant 5): signed Slack requests into the real app, the real AWS SDK against the fake
 * STS/IAM/Scheduler, real PostgreSQL. The order of AWS calls is read from the fake's call log.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { JOB_KINDS } from '../../src/workflow/job-kinds.js';
import { iamGroupTarget, iamPolicyTarget, opsAccount } from '../support/e2e-catalog.js';
import type { FakeAwsAccount, FakeAwsCall } from '../support/fake-aws.js';
import { grantSteps } from '../support/grant-steps.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '444444444444';
const DEAD_LETTER = `arn:aws:sqs:eu-west-1:${ACCOUNT}:jitbot-backstop-dlq`;
const POLICY = `arn:aws:iam::${ACCOUNT}:policy/jit/jit-ops-logs`;
const ADMIN_CHANNEL = 'CBADMIN1';
const APPROVER = 'UBAPPROVER1';

const CATALOG = {
  settings: { adminChannel: ADMIN_CHANNEL, approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [
    opsAccount({
      accountId: ACCOUNT,
      externalId: 'e2e-backstop-external-id',
      scheduler: true,
      deadLetterArn: DEAD_LETTER,
    }),
  ],
  targets: [
    iamGroupTarget('ops-read', {
      name: 'Ops read-only',
      account: 'ops',
      group: 'jit-ops-read',
      approvers: [APPROVER],
      autoApprove: { maxDuration: '4h' },
    }),
    iamPolicyTarget('ops-logs', {
      name: 'Ops logs',
      account: 'ops',
      policyArn: POLICY,
      approvers: [APPROVER],
      autoApprove: { maxDuration: '4h' },
    }),
  ],
};

const jitbot = useJitbot(CATALOG);
let iam: FakeAwsAccount;
const newUser = userIds('UBACKSTOP');
const { ask, grantOf, requestStatus, grantFor, dmsTo, expireNow, untilEnded } = grantSteps(() => jitbot, {
  approver: APPROVER,
  autoApproved: new Set(['ops-read', 'ops-logs']),
});

beforeAll(() => {
  iam = jitbot.aws.account(ACCOUNT);
});
afterEach(() => {
  for (const action of ['RemoveUserFromGroup', 'DetachUserPolicy', 'CreateSchedule'])
    jitbot.aws.clearFailures(action);
});

const iamName = (userId: string) => userId.toLowerCase();
const scheduleName = (grantId: string) => `jitbot-${grantId}`;

/** The fake's calls about one grant's schedule or one user, in the order they arrived. */
function callsAbout(userName: string, grantId: string): FakeAwsCall[] {
  return jitbot.aws.calls.filter((call) => {
    const params = JSON.stringify(call.params);
    return params.includes(`"${userName}"`) || call.params.Name === scheduleName(grantId);
  });
}

async function grantRow(grantId: string) {
  const { rows } = await jitbot.database.pool.query(
    'SELECT status, revoke_attempts, backstop_at FROM grants WHERE id = $1',
    [grantId],
  );
  return rows[0] as { status: string; revoke_attempts: number; backstop_at: Date | null };
}

/**
 * Brings the next revocation attempt forward instead of waiting for its backoff. An attempt in
 * flight holds a lease (revoke_leased_until), and moving it would run two attempts side by side:
 * wait for it to record its outcome first.
 */
async function retryRevocationNow(grantId: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const { rowCount } = await jitbot.database.pool.query(
        `UPDATE grants SET next_attempt_at = now()
          WHERE id = $1 AND status = 'revoking' AND revoke_leased_until IS NULL`,
        [grantId],
      );
      expect(rowCount === 1 || (await grantRow(grantId)).status !== 'revoking').toBe(true);
    },
    { timeout: 15_000 },
  );
  await jitbot.wake();
}

async function untilAttempts(grantId: string, attempts: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const row = await grantRow(grantId);
      expect(row.revoke_attempts).toBeGreaterThanOrEqual(attempts);
      const { rows } = await jitbot.database.pool.query('SELECT last_error FROM grants WHERE id = $1', [
        grantId,
      ]);
      expect(rows[0]?.last_error).toBeTruthy();
    },
    { timeout: 15_000 },
  );
}

/** `at(2026-11-22T15:30:00)` -> that instant (UTC). */
function whenFires(expression: unknown): number {
  const at = /^at\((.+)\)$/.exec(String(expression))?.[1];
  return Date.parse(`${at}Z`);
}

describe('a revocation that fails keeps its backstop', () => {
  it('AccessDenied on RemoveUserFromGroup keeps the schedule and the grant revoking, alerted; once fixed, the removal goes first and the schedule after', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-read', requester);
    const name = scheduleName(grant.id);
    expect(iam.schedule('jitbot', name)?.definition.Target).toMatchObject({
      DeadLetterConfig: { Arn: DEAD_LETTER },
    });
    jitbot.aws.failNext('RemoveUserFromGroup', { code: 'AccessDenied', status: 403, times: 1000 });
    await expireNow(grant.id);
    await vi.waitFor(() =>
      expect(
        dmsTo(ADMIN_CHANNEL)
          .filter((text) => text.includes(requester))
          .join(),
      ).toContain('keeps failing'),
    );
    await retryRevocationNow(grant.id);
    await untilAttempts(grant.id, 2);
    expect((await grantRow(grant.id)).status).toBe('revoking');
    expect(iam.isMember('jit-ops-read', iamName(requester))).toBe(true);
    expect(iam.schedule('jitbot', name)).toBeDefined();
    expect(callsAbout(iamName(requester), grant.id).map((call) => call.action)).not.toContain(
      'DeleteSchedule',
    );

    jitbot.aws.clearFailures('RemoveUserFromGroup');
    await retryRevocationNow(grant.id);
    await untilEnded(grant.id);
    expect(iam.isMember('jit-ops-read', iamName(requester))).toBe(false);
    expect(iam.schedule('jitbot', name)).toBeUndefined();
    const order = callsAbout(iamName(requester), grant.id).map((call) => `${call.action} ${call.status}`);
    const removed = order.indexOf('RemoveUserFromGroup 200');
    expect(removed).toBeGreaterThan(order.lastIndexOf('RemoveUserFromGroup 403'));
    expect(order.indexOf('DeleteSchedule 200')).toBeGreaterThan(removed);
    expect(order.filter((call) => call.startsWith('DeleteSchedule'))).toEqual(['DeleteSchedule 200']);
    const { rows } = await jitbot.database.pool.query(
      "SELECT details FROM audit_events WHERE grant_id = $1 AND action = 'grant.revoked'",
      [grant.id],
    );
    expect(rows[0]?.details).toMatchObject({ removal: 'removed', backstop: 'deleted' });
  });

  it('a schedule deleted by hand while the revocation fails is made again about 5 minutes ahead, with the same name and target', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-read', requester);
    const name = scheduleName(grant.id);
    const original = iam.schedule('jitbot', name)?.definition;
    jitbot.aws.failNext('RemoveUserFromGroup', { code: 'AccessDenied', status: 403, times: 1000 });
    await expireNow(grant.id);
    await untilAttempts(grant.id, 1);

    iam.schedules.delete(`jitbot/${name}`);
    const before = Date.now();
    await retryRevocationNow(grant.id);
    await vi.waitFor(() => expect(iam.schedule('jitbot', name)).toBeDefined(), { timeout: 15_000 });
    const after = Date.now();
    const recreated = iam.schedule('jitbot', name)?.definition;
    expect(recreated?.Target).toEqual(original?.Target);
    const fires = whenFires(recreated?.ScheduleExpression);
    expect(fires).toBeGreaterThanOrEqual(before + 5 * 60_000 - 1000);
    expect(fires).toBeLessThanOrEqual(after + 5 * 60_000 + 1000);
    await vi.waitFor(async () =>
      expect(Math.abs(((await grantRow(grant.id)).backstop_at?.getTime() ?? 0) - fires)).toBeLessThan(1000),
    );
    const { rows } = await jitbot.database.pool.query(
      "SELECT details FROM audit_events WHERE grant_id = $1 AND action = 'grant.backstop-recreated'",
      [grant.id],
    );
    expect(rows).toHaveLength(1);

    jitbot.aws.clearFailures('RemoveUserFromGroup');
    await retryRevocationNow(grant.id);
    await untilEnded(grant.id);
    expect(iam.schedule('jitbot', name)).toBeUndefined();
  });

  it('a policy grant: DetachUserPolicy refused keeps the schedule; once fixed, the policy is detached first and the schedule deleted after', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-logs', requester);
    const name = scheduleName(grant.id);
    expect(iam.schedule('jitbot', name)?.definition.Target).toMatchObject({
      Arn: 'arn:aws:scheduler:::aws-sdk:iam:detachUserPolicy',
      DeadLetterConfig: { Arn: DEAD_LETTER },
    });
    jitbot.aws.failNext('DetachUserPolicy', { code: 'AccessDenied', status: 403, times: 1000 });
    await expireNow(grant.id);
    await untilAttempts(grant.id, 1);
    expect(iam.hasPolicy(iamName(requester), POLICY)).toBe(true);
    expect(iam.schedule('jitbot', name)).toBeDefined();

    jitbot.aws.clearFailures('DetachUserPolicy');
    await retryRevocationNow(grant.id);
    await untilEnded(grant.id);
    expect(iam.hasPolicy(iamName(requester), POLICY)).toBe(false);
    const order = callsAbout(iamName(requester), grant.id).map((call) => `${call.action} ${call.status}`);
    expect(order.indexOf('DeleteSchedule 200')).toBeGreaterThan(order.indexOf('DetachUserPolicy 200'));
    expect(order.indexOf('DetachUserPolicy 403')).toBeLessThan(order.indexOf('DetachUserPolicy 200'));
    expect(iam.schedule('jitbot', name)).toBeUndefined();
  });
});

describe('a CreateSchedule whose answer is lost', () => {
  it.each([
    ['the connection is cut', 'drop', 1],
    ['AWS answers 500', 'error', 1],
    ['every try of the first attempt is cut, so the grant job itself retries', 'drop', 3],
  ] as const)(
    '%s: the retry adopts the schedule, so there is one, at the right time',
    async (_how, how, times) => {
      const requester = newUser();
      jitbot.aws.loseNextAnswers('CreateSchedule', { how, times });
      const grant = await grantFor('ops-read', requester);
      const name = scheduleName(grant.id);
      const mine = [...iam.schedules.values()].filter((schedule) =>
        JSON.stringify(schedule.definition).includes(`\\"${iamName(requester)}\\"`),
      );
      expect(mine.map((schedule) => schedule.name)).toEqual([name]);
      const row = await grantRow(grant.id);
      expect(whenFires(mine[0]?.definition.ScheduleExpression)).toBe(
        Math.ceil((row.backstop_at?.getTime() ?? 0) / 1000) * 1000,
      );
      const creates = jitbot.aws.callsTo('CreateSchedule').filter((call) => call.params.Name === name);
      expect(creates[0]).toMatchObject({ status: 200, answerLost: how });
      expect(creates.length).toBeGreaterThanOrEqual(2);
      expect(creates.slice(1).every((call) => call.errorCode === 'ConflictException')).toBe(true);
      expect(jitbot.aws.callsTo('GetSchedule').some((call) => call.params.Name === name)).toBe(true);
      expect(jitbot.aws.callsTo('DeleteSchedule').some((call) => call.params.Name === name)).toBe(false);
      expect(iam.isMember('jit-ops-read', iamName(requester))).toBe(true);
    },
  );

  it('a grant given up after its schedule was made (every answer lost) deletes that schedule and adds nothing', async () => {
    const requester = newUser();
    jitbot.aws.loseNextAnswers('CreateSchedule', { how: 'error', times: 1000 });
    const id = await ask('ops-read', requester);
    // The job's retries are brought forward instead of waiting out their backoff.
    await vi.waitFor(
      async () => {
        await jitbot.database.pool.query(
          "UPDATE jobs SET run_at = now() WHERE kind = $1 AND status = 'queued' AND payload->>'requestId' = $2",
          [JOB_KINDS.grantApply, id],
        );
        await jitbot.wake();
        expect(await requestStatus(id)).toBe('failed');
      },
      { timeout: 60_000, interval: 200 },
    );
    jitbot.aws.clearFailures('CreateSchedule');
    const grant = await grantOf(id);
    const grantId = grant?.id ?? '';
    await untilEnded(grantId, 'failed');
    const name = scheduleName(grantId);
    expect(iam.schedule('jitbot', name)).toBeUndefined();
    const calls = callsAbout(iamName(requester), grantId);
    const order = calls.map((call) => `${call.action} ${call.status}`);
    expect(order.some((call) => call.startsWith('AddUserToGroup'))).toBe(false);
    // AWS made the schedule on the first call, but jitbot never heard (500 every time).
    const creates = calls.filter((call) => call.action === 'CreateSchedule');
    expect(creates[0]).toMatchObject({ status: 200, answerLost: 'error' });
    expect(creates.every((call) => call.answerLost === 'error')).toBe(true);
    const lookedUp = order.indexOf('GetSchedule 200');
    expect(lookedUp).toBeGreaterThan(order.lastIndexOf('CreateSchedule 409'));
    expect(order.indexOf('DeleteSchedule 200')).toBeGreaterThan(lookedUp);
    const { rows } = await jitbot.database.pool.query(
      "SELECT details FROM audit_events WHERE grant_id = $1 AND action = 'grant.backstop-looked-up'",
      [grantId],
    );
    expect(rows.map((row) => row.details.found)).toEqual([true]);
  });
});
