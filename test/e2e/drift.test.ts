/**
 * Drift end to end: the service reads back who holds each target and jitbot's own schedules and
 * generated policies from the fake AWS (real SDK, real wire protocol), compares them with its
 * grants in PostgreSQL, reports what differs through `jitbot reconcile` (a real process), and
 * heals what is its own to heal in the periodic run.
 */

import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DUE_CHANNEL } from '../../src/db/jobs-repository.js';
import { ACTIONS, VIEWS } from '../../src/slack/ids.js';
import { awsAccount, generatedPolicyTarget, iamGroupTarget } from '../support/e2e-catalog.js';
import type { FakeAwsAccount } from '../support/fake-aws.js';
import { grantSteps } from '../support/grant-steps.js';
import { formValues } from '../support/request-form.js';
import { runCli } from '../support/service-process.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '555555555555';
const APPROVER = 'UDAPPROVER1';
const ADMIN_CHANNEL = 'CDADMIN1';
const ADMIN = 'UDADMIN1';

const CATALOG = {
  settings: {
    adminChannel: ADMIN_CHANNEL,
    approvalTimeout: '1h',
    expiryWarning: '15m',
    reconcileInterval: '1m',
    admins: { users: [ADMIN] },
  },
  accounts: [
    awsAccount({
      id: 'data',
      name: 'Data',
      accountId: ACCOUNT,
      region: 'us-east-1',
      externalId: 'e2e-drift',
      scheduler: true,
    }),
  ],
  targets: [
    iamGroupTarget('data-read', {
      name: 'Data read',
      account: 'data',
      group: 'jit-data-read',
      approvers: [APPROVER],
    }),
    {
      ...iamGroupTarget('data-admin', {
        name: 'Data admin',
        account: 'data',
        group: 'jit-data-admin',
        approvers: [APPROVER],
      }),
      onDrift: 'remove',
      standingMembers: ['breakglass-robot'],
    },
    {
      ...iamGroupTarget('data-read-alias', {
        name: 'Data read (alias)',
        account: 'data',
        group: 'jit-data-read',
        approvers: [APPROVER],
      }),
      onDrift: 'remove',
    },
    generatedPolicyTarget('data-s3', {
      name: 'Data S3',
      account: 'data',
      allow: { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::data-*/*'] },
      approvers: [APPROVER],
    }),
  ],
};

const jitbot = useJitbot(CATALOG, { drift: true, metrics: true });
let iam: FakeAwsAccount;
const newUser = userIds('UDRIFT');
const { approve, grantFor, untilActive, untilEnded, dmsTo, expireNow } = grantSteps(() => jitbot, {
  approver: APPROVER,
});
const iamName = (userId: string) => userId.toLowerCase();

beforeAll(() => {
  iam = jitbot.aws.account(ACCOUNT);
});

/** `jitbot reconcile <args>` as an operator would run it, against this world. */
async function reconcileCli(...args: string[]): Promise<{ code: number | null; output: string }> {
  const run = runCli(['reconcile', ...args], jitbot.cliEnv());
  const { code } = await run.exited;
  return { code, output: run.output() };
}

/** Makes the periodic run due now and waits until a run has finished after that. */
async function periodicRun(): Promise<void> {
  const { rows } = await jitbot.database.pool.query(
    "UPDATE drift_runs SET next_run_at = now() - interval '1 second' RETURNING clock_timestamp() AS at",
  );
  const asked = rows[0]?.at as Date;
  await jitbot.wake();
  await vi.waitFor(
    async () => {
      const { rows: runs } = await jitbot.database.pool.query('SELECT last_finished_at FROM drift_runs');
      expect(runs[0]?.last_finished_at?.getTime() ?? 0).toBeGreaterThan(asked.getTime());
    },
    { timeout: 15_000 },
  );
}

async function auditOf(action: string, key: string) {
  const { rows } = await jitbot.database.pool.query(
    "SELECT actor, details FROM audit_events WHERE action = $1 AND details->>'key' = $2 ORDER BY id",
    [action, key],
  );
  return rows as { actor: string; details: Record<string, unknown> }[];
}

/** Moves a grant's own times back, as if jitbot last touched it `minutes` ago. */
async function touchedMinutesAgo(grantId: string, minutes: number): Promise<void> {
  await jitbot.database.pool.query(
    `UPDATE grants SET created_at = now() - make_interval(mins => $2), granted_at = now() - make_interval(mins => $2),
            revoked_at = CASE WHEN revoked_at IS NULL THEN NULL ELSE now() - make_interval(mins => $2) END,
            updated_at = now() - make_interval(mins => $2)
      WHERE id = $1`,
    [grantId, minutes],
  );
}

/** A granted generated policy for a new requester: the grant and its policy's ARN. */
async function generatedGrant() {
  const requester = newUser();
  iam.addUser(iamName(requester));
  const response = await jitbot.submitView(
    VIEWS.request,
    formValues(
      'data-s3',
      '3600',
      'reading the data exports for INC-9',
      '',
      's3:GetObject arn:aws:s3:::data-x/*',
    ),
    requester,
  );
  expect(await response.text()).toBe('');
  const { rows } = await jitbot.database.pool.query(
    'SELECT id FROM requests WHERE requester_id = $1 ORDER BY created_at DESC LIMIT 1',
    [requester],
  );
  const id = String(rows[0]?.id);
  await approve(id);
  const grant = await untilActive(id);
  return { requester, grant, arn: `arn:aws:iam::${ACCOUNT}:policy/jit/generated/jitbot-${grant.id}` };
}

describe('drift: reading back, reporting and healing', () => {
  it('someone added by hand is standing access: reported by jitbot reconcile (exit 2), removed by --fix with who decided', async () => {
    iam.addUser('handadded').addGroup('jit-data-read').add('handadded');
    const found = await reconcileCli();
    expect(found.code).toBe(2);
    expect(found.output).toContain(
      'standing-access  data-read  handadded holds data-read but jitbot did not grant it',
    );
    expect(iam.isMember('jit-data-read', 'handadded')).toBe(true);
    await vi.waitFor(async () =>
      expect(await (await fetch(String(jitbot.metricsUrl))).text()).toContain(
        'jitbot_drift_findings{kind="standing-access",target="data-read"} 1',
      ),
    );

    // The fix tells the servers' workers, so whatever it left due runs at once, not at their next look.
    const listener = await jitbot.database.pool.connect();
    const told: string[] = [];
    listener.on('notification', (message) => told.push(message.channel));
    await listener.query(`LISTEN ${DUE_CHANNEL}`);
    const fixed = await reconcileCli('--fix', '--by', 'UDADMIN1');
    await vi.waitFor(() => expect(told).toContain(DUE_CHANNEL));
    listener.release();
    expect(fixed.code).toBe(0);
    expect(fixed.output).toContain('fixed  removed: handadded');
    expect(iam.isMember('jit-data-read', 'handadded')).toBe(false);
    expect(
      (await auditOf('drift.fixed', 'standing-access:data-read:handadded')).map((row) => row.actor),
    ).toEqual(['UDADMIN1']);
    expect((await reconcileCli()).code).toBe(0);
  });

  it('a live generated policy attached to someone else too: reported, and --fix detaches it from them alone', async () => {
    const { requester, grant, arn } = await generatedGrant();
    iam.addUser('intruder');
    iam.attachPolicy(arn, 'intruder');
    await touchedMinutesAgo(grant.id, 11);
    const found = await reconcileCli();
    expect(found.code).toBe(2);
    expect(found.output).toContain(`intruder holds generated policy jitbot-`);
    const fixed = await reconcileCli('--fix', '--by', ADMIN);
    expect(fixed.output).toContain(`fixed  detached: ${arn} from intruder`);
    expect(iam.hasPolicy('intruder', arn)).toBe(false);
    expect(iam.hasPolicy(iamName(requester), arn)).toBe(true);
  });

  it('a generated policy detached by hand ends its grant as removed outside jitbot, and the policy is deleted', async () => {
    const { requester, grant, arn } = await generatedGrant();
    iam.detachPolicy(arn, iamName(requester));
    await touchedMinutesAgo(grant.id, 11);
    await periodicRun();
    await untilEnded(grant.id);
    const { rows } = await jitbot.database.pool.query('SELECT revoke_reason FROM grants WHERE id = $1', [
      grant.id,
    ]);
    expect(rows[0]?.revoke_reason).toBe('removed outside jitbot');
    expect(iam.policyDocument(arn)).toBeUndefined();
  });

  it('a target it cannot read: jitbot reconcile exits 1 naming it, and reports the others', async () => {
    jitbot.aws.failNext('GetGroup', { code: 'AccessDenied', status: 403 });
    iam.addUser('another').addGroup('jit-data-admin').add('another');
    const { code, output } = await reconcileCli();
    expect(code).toBe(1);
    expect(output).toMatch(/could not read {2}data-[a-z, -]+: could not read who holds it/);
    iam.groups.get('jit-data-admin')?.delete('another');
  });

  it('a target set to onDrift: remove loses hand-added access in the periodic run; its standing members stay', async () => {
    iam.addUser('sneaky').addGroup('jit-data-admin').add('sneaky');
    iam.addUser('breakglass-robot').addGroup('jit-data-admin').add('breakglass-robot');
    await periodicRun();
    await vi.waitFor(() => expect(iam.isMember('jit-data-admin', 'sneaky')).toBe(false), { timeout: 15_000 });
    expect(iam.isMember('jit-data-admin', 'breakglass-robot')).toBe(true);
    expect((await auditOf('drift.fixed', 'standing-access:data-admin:sneaky'))[0]?.actor).toBe('jitbot');
  });

  it('a membership removed by hand ends its grant as removed outside jitbot, and its holder is told', async () => {
    const requester = newUser();
    const grant = await grantFor('data-read', requester);
    iam.groups.get('jit-data-read')?.delete(iamName(requester));
    await touchedMinutesAgo(grant.id, 11);
    await periodicRun();
    await untilEnded(grant.id);
    const { rows } = await jitbot.database.pool.query('SELECT revoke_reason FROM grants WHERE id = $1', [
      grant.id,
    ]);
    expect(rows[0]?.revoke_reason).toBe('removed outside jitbot');
    await vi.waitFor(() => expect(dmsTo(requester).join()).toContain('has ended (removed outside jitbot)'));
  });

  it("an ended grant's schedule left behind is deleted; one of a grant this database does not know is reported and kept", async () => {
    const requester = newUser();
    const grant = await grantFor('data-read', requester);
    const definition = iam.schedule('jitbot', `jitbot-${grant.id}`)?.definition ?? {};
    await expireNow(grant.id);
    await untilEnded(grant.id);
    iam.schedules.set(`jitbot/jitbot-${grant.id}`, {
      name: `jitbot-${grant.id}`,
      groupName: 'jitbot',
      arn: `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/jitbot/jitbot-${grant.id}`,
      definition,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    iam.schedules.set('jitbot/jitbot-GNT-ZZZZZZZZ', {
      name: 'jitbot-GNT-ZZZZZZZZ',
      groupName: 'jitbot',
      arn: `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/jitbot/jitbot-GNT-ZZZZZZZZ`,
      definition,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await touchedMinutesAgo(grant.id, 11);
    await periodicRun();
    await vi.waitFor(() => expect(iam.schedule('jitbot', `jitbot-${grant.id}`)).toBeUndefined(), {
      timeout: 15_000,
    });
    expect(iam.schedule('jitbot', 'jitbot-GNT-ZZZZZZZZ')).toBeDefined();
    const report = await reconcileCli('--json');
    const findings = JSON.parse(report.output.slice(report.output.indexOf('{'))).findings as {
      kind: string;
    }[];
    expect(findings.map((finding) => finding.kind)).toContain('unknown-schedule');
    expect(report.code).toBe(2);
    iam.schedules.delete('jitbot/jitbot-GNT-ZZZZZZZZ');
  });

  it('the admin channel hears of standing access once, with a Remove button that works for an admin and for nobody else', async () => {
    iam.addUser('lurker').addGroup('jit-data-read').add('lurker');
    await periodicRun();
    const key = 'standing-access:data-read:lurker';
    const alertPost = () =>
      jitbot.slack
        .callsTo('chat.postMessage')
        .find((call) => call.args.channel === ADMIN_CHANNEL && JSON.stringify(call.args).includes(key));
    await vi.waitFor(() => expect(alertPost()).toBeDefined());
    expect(JSON.stringify(alertPost()?.args)).toContain(ACTIONS.driftRemove);
    await periodicRun();
    expect(
      jitbot.slack.callsTo('chat.postMessage').filter((call) => JSON.stringify(call.args).includes(key)),
    ).toHaveLength(1);

    const refused = await jitbot.click(ACTIONS.driftRemove, key, 'UDSTRANGER1');
    await vi.waitFor(() =>
      expect(JSON.stringify(jitbot.responses(refused.responseUrl))).toContain('Only jitbot admins'),
    );
    expect(iam.isMember('jit-data-read', 'lurker')).toBe(true);

    const removed = await jitbot.click(ACTIONS.driftRemove, key, ADMIN);
    await vi.waitFor(() =>
      expect(JSON.stringify(jitbot.responses(removed.responseUrl))).toContain('Done: removed'),
    );
    expect(iam.isMember('jit-data-read', 'lurker')).toBe(false);
    expect((await auditOf('drift.fixed', key)).map((row) => row.actor)).toEqual([ADMIN]);
    await vi.waitFor(() =>
      expect(
        JSON.stringify(
          jitbot.slack
            .callsTo('chat.update')
            .filter((call) => JSON.stringify(call.args).includes('lurker holds data-read'))
            .at(-1)?.args ?? null,
        ),
      ).toContain(`fixed by ${ADMIN}`),
    );
  });

  it('two targets granting one group: standing access stays unless both say remove', async () => {
    iam.addUser('shared-holder').addGroup('jit-data-read').add('shared-holder');
    await periodicRun();
    expect(iam.isMember('jit-data-read', 'shared-holder')).toBe(true);
    expect(await auditOf('drift.found', 'standing-access:data-read:shared-holder')).toHaveLength(1);
    iam.groups.get('jit-data-read')?.delete('shared-holder');
  });

  it('Remove does nothing twice, and leaves access someone was granted since the finding', async () => {
    iam.addUser('double').addGroup('jit-data-read').add('double');
    const requester = newUser();
    iam.addUser(iamName(requester)).addGroup('jit-data-read').add(iamName(requester));
    await periodicRun();
    const doubleKey = 'standing-access:data-read:double';
    const clicks = await Promise.all([
      jitbot.click(ACTIONS.driftRemove, doubleKey, ADMIN),
      jitbot.click(ACTIONS.driftRemove, doubleKey, ADMIN),
    ]);
    await vi.waitFor(() =>
      expect(clicks.map((click) => JSON.stringify(jitbot.responses(click.responseUrl))).join()).toContain(
        'no longer open',
      ),
    );
    expect(await auditOf('drift.fixed', doubleKey)).toHaveLength(1);
    expect(iam.isMember('jit-data-read', 'double')).toBe(false);

    await grantFor('data-read', requester);
    const { responseUrl } = await jitbot.click(
      ACTIONS.driftRemove,
      `standing-access:data-read:${iamName(requester)}`,
      ADMIN,
    );
    await vi.waitFor(() => expect(JSON.stringify(jitbot.responses(responseUrl))).toContain('left in place'));
    expect(iam.isMember('jit-data-read', iamName(requester))).toBe(true);
  });

  it('two replicas on one database run it once: a finding is reported once', async () => {
    await jitbot.startReplica();
    iam.addUser('twice').addGroup('jit-data-read').add('twice');
    const reads = jitbot.aws.callsTo('GetGroup').length;
    await periodicRun();
    // One run reads each of the two groups once; a second replica running too would read them again.
    expect(jitbot.aws.callsTo('GetGroup').length - reads).toBe(2);
    expect(await auditOf('drift.found', 'standing-access:data-read:twice')).toHaveLength(1);
    iam.groups.get('jit-data-read')?.delete('twice');
  });

  it('a target read for the first time adopts who holds it as pre-existing: reported once, never removed', async () => {
    await jitbot.stopService();
    iam.addUser('veteran').addGroup('jit-data-admin').add('veteran');
    await jitbot.database.pool.query("DELETE FROM drift_adopted WHERE resource LIKE '%jit-data-admin'");
    await jitbot.database.pool.query("DELETE FROM drift_baselines WHERE resource LIKE '%jit-data-admin'");
    await jitbot.startService();
    const { rows } = await jitbot.database.pool.query(
      "SELECT principal FROM drift_adopted WHERE resource LIKE '%jit-data-admin' ORDER BY principal",
    );
    expect(rows.map((row) => row.principal)).toContain('veteran');
    await periodicRun();
    expect(iam.isMember('jit-data-admin', 'veteran')).toBe(true);
  });
});
