/**
 * `jitbot grants` and `jitbot audit`: the way out of a revocation jitbot cannot finish. A grant whose removal AWS
 * keeps refusing is listed with its last error, closed by hand with who and why, and audited;
 * live access can never be closed this way.
 */
import { describe, expect, it, vi } from 'vitest';
import { grantSteps } from '../support/grant-steps.js';
import { runCli, serviceEnv } from '../support/service-process.js';
import { PEOPLE, TEST_CATALOG_DATA } from '../support/test-catalog.js';
import { useJitbot } from '../support/use-jitbot.js';

const jitbot = useJitbot(TEST_CATALOG_DATA);
const { grantFor } = grantSteps(() => jitbot, { approver: PEOPLE.approver1 });

async function jitbotCli(...args: string[]): Promise<{ code: number | null; output: string }> {
  const run = runCli(args, serviceEnv({ DATABASE_URL: jitbot.database.url, LOG_LEVEL: 'warn' }));
  const exit = await run.exited;
  return { code: exit.code, output: run.output() };
}

async function statusOf(grantId: string): Promise<string> {
  const { rows } = await jitbot.database.pool.query('SELECT status FROM grants WHERE id = $1', [grantId]);
  return rows[0]?.status;
}

describe('jitbot grants', () => {
  it('lists a stuck revocation with its error, closes it with who and why, and refuses live access', async () => {
    const live = await grantFor('prod-admin', 'UGRANTCLI1');
    const stuck = await grantFor('prod-admin', 'UGRANTCLI2');
    jitbot.aws.failNext('RemoveUserFromGroup', { code: 'AccessDenied', status: 403, times: 1000 });
    await jitbot.database.pool.query(
      "UPDATE grants SET expires_at = now() - interval '2 hours' WHERE id = $1",
      [stuck.id],
    );
    await jitbot.wake();
    await vi.waitFor(async () => {
      const { rows } = await jitbot.database.pool.query('SELECT revoke_attempts FROM grants WHERE id = $1', [
        stuck.id,
      ]);
      expect(rows[0]?.revoke_attempts).toBeGreaterThan(0);
    });

    const listed = await jitbotCli('grants');
    expect(listed.code).toBe(0);
    const line = listed.output.split('\n').find((text) => text.startsWith(stuck.id)) ?? '';
    expect(line).toContain('revoking');
    expect(line).toContain('expired 2h ago');
    expect(line).toContain('AccessDenied');
    expect(listed.output).toContain(`${live.id}  active`);

    const refused = await jitbotCli(
      'grants',
      'close',
      live.id,
      '--by',
      'alice@example.com',
      '--reason',
      'removed by hand in IAM',
    );
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(`grant ${live.id} is active, not being revoked`);
    expect(await statusOf(live.id)).toBe('active');

    const usage = await jitbotCli('grants', 'close', stuck.id, '--reason', 'removed by hand in IAM');
    expect(usage.code).toBe(2);
    expect(usage.output).toContain('--by is required');

    const closed = await jitbotCli(
      'grants',
      'close',
      stuck.id,
      '--by',
      'alice@example.com',
      '--reason',
      'removed by hand in IAM',
    );
    expect(closed.code).toBe(0);
    expect(closed.output).toContain(`closed ${stuck.id}`);
    expect(await statusOf(stuck.id)).toBe('revoked');
    const { rows } = await jitbot.database.pool.query(
      "SELECT actor, details FROM audit_events WHERE grant_id = $1 AND action = 'grant.closed-by-hand'",
      [stuck.id],
    );
    expect(rows).toEqual([
      {
        actor: 'cli:alice@example.com',
        details: expect.objectContaining({ reason: 'removed by hand in IAM', principal: 'ugrantcli2' }),
      },
    ]);
  });

  it('jitbot audit prints every step of a request in order, its AWS calls included', async () => {
    const grant = await grantFor('prod-admin', 'UGRANTCLI3');
    const { rows } = await jitbot.database.pool.query('SELECT request_id FROM grants WHERE id = $1', [
      grant.id,
    ]);
    const requestId = String(rows[0]?.request_id);
    const trail = await jitbotCli('audit', requestId);
    expect(trail.code).toBe(0);
    const actions = trail.output.split('\n').map((text) => text.split('  ')[1]);
    const order = ['request.submitted', 'request.approved', 'aws.iam.AddUserToGroup'].map((action) =>
      actions.indexOf(action),
    );
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(trail.output).toContain(`by ${PEOPLE.approver1}`);
    expect((await jitbotCli('audit', grant.id)).output).toContain('aws.iam.AddUserToGroup  ok');

    expect((await jitbotCli('audit', 'REQ-00000000')).code).toBe(1);
    const usage = await jitbotCli('audit', 'prod-admin');
    expect(usage.code).toBe(2);
    expect(usage.output).toContain('give one request id (REQ-…) or grant id (GNT-…)');
  });
});
