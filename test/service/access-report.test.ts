/**
 * `jitbot report access`: the access review an auditor asks for, one line per grant, with how each
 * grant ended told apart from the grant row and its audit events. Grants of every ending are
 * written into the database as jitbot writes them, and the report is checked word for word.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReviewLine, reviewLine } from '../../src/access-review.js';
import { listGrantsForReview } from '../../src/db/access-report-repository.js';
import { runReportCommand } from '../../src/report-command.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { iamGroupTarget, opsAccount } from '../support/e2e-catalog.js';
import { grantSteps } from '../support/grant-steps.js';
import { runCli } from '../support/service-process.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

let database: TestDatabase;

const ACCOUNT = '111111111111';
const RESOURCE = `aws:${ACCOUNT}:group/jit-prod-admin`;
const at = (time: string) => `2024-05-01T${time}Z`;

interface Asked {
  readonly id: string;
  readonly requester: string;
  readonly created: string;
  readonly decided: string;
  readonly via: 'approvers' | 'auto' | 'breakglass';
  readonly justification?: string;
  readonly ticket?: string | null;
  readonly principal?: string;
  readonly label?: string;
  readonly target?: string;
  readonly reviewed?: readonly [string, string];
}

async function request(asked: Asked): Promise<void> {
  await database.pool.query(
    `INSERT INTO requests (id, target_id, requester_id, principal, duration_seconds, justification, ticket, status,
                           breakglass, decided_at, decided_by, approved_via, principal_label, reviewed_by,
                           reviewed_at, created_at)
     VALUES ($1, $2, $3, $4, 3600, $5, $6, 'approved', $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      asked.id,
      asked.target ?? 'prod-admin',
      asked.requester,
      asked.principal ?? asked.requester.toLowerCase(),
      asked.justification ?? 'rotating the ops database keys',
      asked.ticket === undefined ? 'OPS-101' : asked.ticket,
      asked.via === 'breakglass',
      at(asked.decided),
      asked.via === 'approvers' ? null : asked.requester,
      asked.via,
      asked.label ?? `IAM user ${asked.requester.toLowerCase()} in Production (${ACCOUNT})`,
      asked.reviewed?.[0] ?? null,
      asked.reviewed ? at(asked.reviewed[1]) : null,
      at(asked.created),
    ],
  );
}

async function approval(requestId: string, approver: string, time: string): Promise<void> {
  await database.pool.query(
    "INSERT INTO approvals (request_id, approver_id, decision, created_at) VALUES ($1, $2, 'approve', $3)",
    [requestId, approver, at(time)],
  );
}

interface Given {
  readonly id: string;
  readonly requestId: string;
  readonly status: 'active' | 'revoked' | 'failed';
  readonly granted: string | null;
  readonly expires: string;
  readonly revoked?: readonly [string, string, string];
  readonly backstop?: string;
  readonly preExisting?: boolean;
  readonly resource?: string;
  readonly updated?: string;
}

async function grant(given: Given): Promise<void> {
  const { rows } = await database.pool.query<{ requester_id: string; principal: string; target_id: string }>(
    'SELECT requester_id, principal, target_id FROM requests WHERE id = $1',
    [given.requestId],
  );
  const asked = rows[0];
  await database.pool.query(
    `INSERT INTO grants (id, request_id, latest_request_id, target_id, resource, principal, requester_id, status,
                         pre_existing, added, add_attempted, granted_at, expires_at, backstop_at, revoked_at,
                         revoked_by, revoke_reason, failure, created_at, updated_at)
     VALUES ($1, $2, $2, $3, $4, $5, $6, $7::grant_status, $8, true, true, $9, $10, $11, $12, $13, $14, $15,
             $16, $17)`,
    [
      given.id,
      given.requestId,
      asked?.target_id,
      given.resource ?? RESOURCE,
      asked?.principal,
      asked?.requester_id,
      given.status,
      given.status === 'failed' ? null : (given.preExisting ?? false),
      given.granted ? at(given.granted) : null,
      at(given.expires),
      given.backstop ? at(given.backstop) : null,
      given.revoked ? at(given.revoked[0]) : null,
      given.revoked?.[1] ?? null,
      given.revoked?.[2] ?? null,
      given.status === 'failed' ? 'IAM refused: AccessDenied' : null,
      given.granted ? at(given.granted) : at(given.expires),
      at(given.updated ?? given.revoked?.[0] ?? given.granted ?? given.expires),
    ],
  );
  await database.pool.query('UPDATE requests SET grant_id = $2 WHERE id = $1', [given.requestId, given.id]);
}

async function event(
  grantId: string,
  time: string,
  action: string,
  details: Record<string, unknown>,
  options: { actor?: string; outcome?: string } = {},
): Promise<void> {
  await database.pool.query(
    `INSERT INTO audit_events (occurred_at, actor, action, outcome, request_id, grant_id, target_id, details)
     SELECT $1, $2, $3, $4, request_id, id, target_id, $5 FROM grants WHERE id = $6`,
    [at(time), options.actor ?? 'jitbot', action, options.outcome ?? 'ok', details, grantId],
  );
}

/** An AWS call as the call recorder writes it. */
const awsCall = (grantId: string, time: string, action: string, requestId: string, extra = {}) =>
  event(grantId, time, `aws.${action}`, {
    account: ACCOUNT,
    resource: 'jit-prod-admin',
    principal: null,
    providerRequestId: requestId,
    ...extra,
  });

const revokedEvent = (grantId: string, time: string, removal: string, backstop = 'deleted') =>
  event(grantId, time, 'grant.revoked', {
    removal,
    backstop,
    reason: 'expired',
    attempts: 1,
    resource: RESOURCE,
  });

async function expiredGrant(): Promise<void> {
  await request({
    id: 'REQ-EXPIRED1',
    requester: 'UALICE',
    created: '09:00:00',
    decided: '09:02:00',
    via: 'approvers',
  });
  await approval('REQ-EXPIRED1', 'UAPPROVER1', '09:01:00');
  await approval('REQ-EXPIRED1', 'UAPPROVER2', '09:02:00');
  const revoked = ['11:00:05', 'jitbot', 'expired'] as const;
  await grant({
    id: 'GNT-EXPIRED1',
    requestId: 'REQ-EXPIRED1',
    status: 'revoked',
    granted: '09:02:30',
    expires: '11:00:00',
    backstop: '11:15:00',
    revoked,
  });
  // An extension joins the grant: the review lists it with its own approval.
  await request({
    id: 'REQ-EXTEND01',
    requester: 'UALICE',
    created: '09:40:00',
    decided: '09:45:00',
    via: 'approvers',
  });
  await approval('REQ-EXTEND01', 'UAPPROVER1', '09:45:00');
  await database.pool.query("UPDATE requests SET grant_id = 'GNT-EXPIRED1' WHERE id = 'REQ-EXTEND01'");
  await event('GNT-EXPIRED1', '09:02:05', 'grant.created', { expiresAt: at('10:02:30'), resource: RESOURCE });
  await event('GNT-EXPIRED1', '09:46:00', 'grant.extended', { from: at('10:02:30'), to: at('11:00:00') });
  await awsCall('GNT-EXPIRED1', '09:02:10', 'sts.AssumeRole', 'sts-1');
  await awsCall('GNT-EXPIRED1', '09:02:20', 'iam.AddUserToGroup', 'iam-add-1');
  await awsCall('GNT-EXPIRED1', '09:02:25', 'scheduler.CreateSchedule', 'sch-create-1');
  await awsCall('GNT-EXPIRED1', '11:00:01', 'iam.RemoveUserFromGroup', 'iam-remove-1');
  await awsCall('GNT-EXPIRED1', '11:00:03', 'scheduler.DeleteSchedule', 'sch-delete-1');
  await revokedEvent('GNT-EXPIRED1', '11:00:05', 'removed');
}

async function revokedByHolder(): Promise<void> {
  await request({
    id: 'REQ-REVOKED1',
    requester: 'UBOB',
    created: '10:00:00',
    decided: '10:01:00',
    via: 'approvers',
    // Typed by the requester: a formula, a pipe and a line break, each of which a report must defuse.
    justification: '=HYPERLINK("x") | fix\nthe <b>thing</b>',
    ticket: null,
  });
  await approval('REQ-REVOKED1', 'UAPPROVER1', '10:01:00');
  const revoked = ['10:30:00', 'UBOB', 'ended early by its holder'] as const;
  // "Revoke now" moved the row's expiry to the moment it was pressed; the review shows the approved one.
  await grant({
    id: 'GNT-REVOKED1',
    requestId: 'REQ-REVOKED1',
    status: 'revoked',
    granted: '10:01:30',
    expires: '10:30:00',
    revoked,
  });
  await event('GNT-REVOKED1', '10:01:30', 'grant.activated', {
    preExisting: false,
    expiresAt: at('11:01:30'),
  });
  await awsCall('GNT-REVOKED1', '10:30:01', 'iam.RemoveUserFromGroup', 'iam-remove-2');
  await revokedEvent('GNT-REVOKED1', '10:30:02', 'removed', 'none');
}

async function endedByBackstop(): Promise<void> {
  await request({
    id: 'REQ-BACKSTP1',
    requester: 'UDAN',
    created: '11:00:00',
    decided: '11:05:00',
    via: 'approvers',
  });
  await approval('REQ-BACKSTP1', 'UAPPROVER2', '11:05:00');
  const revoked = ['12:20:00', 'jitbot', 'expired'] as const;
  await grant({
    id: 'GNT-BACKSTP1',
    requestId: 'REQ-BACKSTP1',
    status: 'revoked',
    granted: '11:05:30',
    expires: '12:05:30',
    backstop: '12:15:30',
    revoked,
  });
  // jitbot was down past the backstop's time: the schedule removed the member and deleted itself.
  await event(
    'GNT-BACKSTP1',
    '12:19:58',
    'aws.scheduler.DeleteSchedule',
    {
      account: ACCOUNT,
      resource: 'jitbot-GNT-BACKSTP1',
      providerRequestId: 'sch-delete-3',
      errorCode: 'ResourceNotFoundException',
      error: 'not found',
    },
    { outcome: 'error' },
  );
  await revokedEvent('GNT-BACKSTP1', '12:20:00', 'already-gone');
}

async function closedByHand(): Promise<void> {
  await request({
    id: 'REQ-BYHAND01',
    requester: 'UERIN',
    created: '12:00:00',
    decided: '12:01:00',
    via: 'approvers',
  });
  await approval('REQ-BYHAND01', 'UAPPROVER1', '12:01:00');
  const revoked = ['14:00:00', 'jitbot', 'expired'] as const;
  await grant({
    id: 'GNT-BYHAND01',
    requestId: 'REQ-BYHAND01',
    status: 'revoked',
    granted: '12:01:30',
    expires: '13:01:30',
    revoked,
  });
  await event(
    'GNT-BYHAND01',
    '13:01:31',
    'aws.iam.RemoveUserFromGroup',
    { account: ACCOUNT, providerRequestId: 'iam-remove-4', errorCode: 'AccessDenied', error: 'denied' },
    { outcome: 'error' },
  );
  await event(
    'GNT-BYHAND01',
    '14:00:00',
    'grant.closed-by-hand',
    { reason: 'removed by hand in IAM' },
    { actor: 'cli:alice@example.com' },
  );
}

async function removedOutsideJitbot(): Promise<void> {
  await request({
    id: 'REQ-OUTSIDE1',
    requester: 'UFAY',
    created: '13:00:00',
    decided: '13:01:00',
    via: 'approvers',
  });
  await approval('REQ-OUTSIDE1', 'UAPPROVER1', '13:01:00');
  const revoked = ['13:30:00', 'jitbot', 'removed outside jitbot'] as const;
  await grant({
    id: 'GNT-OUTSIDE1',
    requestId: 'REQ-OUTSIDE1',
    status: 'revoked',
    granted: '13:01:30',
    expires: '14:01:30',
    revoked,
  });
  await revokedEvent('GNT-OUTSIDE1', '13:30:00', 'already-gone', 'none');
}

async function removedAsDrift(): Promise<void> {
  await request({
    id: 'REQ-DRIFTED1',
    requester: 'UGUS',
    created: '14:00:00',
    decided: '14:01:00',
    via: 'approvers',
  });
  await approval('REQ-DRIFTED1', 'UAPPROVER1', '14:01:00');
  const revoked = ['15:01:35', 'jitbot', 'expired'] as const;
  await grant({
    id: 'GNT-DRIFTED1',
    requestId: 'REQ-DRIFTED1',
    status: 'revoked',
    granted: '14:01:30',
    expires: '15:01:30',
    revoked,
  });
  await revokedEvent('GNT-DRIFTED1', '15:01:35', 'removed', 'none');
  // Drift found the membership still there after the grant ended, and an admin removed it.
  await awsCall('GNT-DRIFTED1', '16:00:00', 'iam.RemoveUserFromGroup', 'iam-remove-6');
  await event(
    'GNT-DRIFTED1',
    '16:00:01',
    'drift.fixed',
    { key: 'stuck-expiry:GNT-DRIFTED1', kind: 'stuck-expiry', words: 'removed' },
    { actor: 'UADMIN' },
  );
}

async function breakglassStillActive(): Promise<void> {
  await request({
    id: 'REQ-BRKGLAS1',
    requester: 'UCAROL',
    created: '15:00:00',
    decided: '15:00:00',
    via: 'breakglass',
    target: 'okta-admins',
    principal: '00u1carol',
    label: 'Okta user carol@example.com',
    reviewed: ['UADMIN', '15:30:00'],
  });
  await grant({
    id: 'GNT-BRKGLAS1',
    requestId: 'REQ-BRKGLAS1',
    status: 'active',
    granted: '15:00:10',
    expires: '16:00:10',
    resource: 'okta:example.okta.com:group/00g1admins',
  });
  await event('GNT-BRKGLAS1', '15:00:05', 'okta.addUserToGroup', {
    account: 'https://example.okta.com',
    resource: '00g1admins',
    principal: '00u1carol',
    providerRequestId: 'okta-req-7',
  });
}

async function autoApprovedPreExisting(): Promise<void> {
  await request({
    id: 'REQ-AUTOAPP1',
    requester: 'UHAL',
    created: '16:00:00',
    decided: '16:00:00',
    via: 'auto',
  });
  const revoked = ['17:00:10', 'jitbot', 'expired'] as const;
  await grant({
    id: 'GNT-AUTOAPP1',
    requestId: 'REQ-AUTOAPP1',
    status: 'revoked',
    granted: '16:00:05',
    expires: '17:00:05',
    revoked,
    preExisting: true,
  });
  await revokedEvent('GNT-AUTOAPP1', '17:00:10', 'kept-pre-existing', 'none');
}

async function breakglassFailedUnreviewed(): Promise<void> {
  await request({
    id: 'REQ-FAILED01',
    requester: 'UIVY',
    created: '17:00:00',
    decided: '17:00:00',
    via: 'breakglass',
  });
  await grant({
    id: 'GNT-FAILED01',
    requestId: 'REQ-FAILED01',
    status: 'failed',
    granted: null,
    expires: '18:00:00',
    updated: '17:00:20',
  });
}

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  await database.pool.query(
    `INSERT INTO slack_users (user_id, real_name, display_name) VALUES
       ('UALICE', 'Alice Example', 'alice'), ('UCAROL', '', 'carol'), ('UDAN', 'Dan | Ops', NULL)`,
  );
  await expiredGrant();
  await revokedByHolder();
  await endedByBackstop();
  await closedByHand();
  await removedOutsideJitbot();
  await removedAsDrift();
  await breakglassStillActive();
  await autoApprovedPreExisting();
  await breakglassFailedUnreviewed();
});
afterAll(() => database.drop());

async function report(args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runReportCommand(
    args,
    database.pool,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out, err: err.join('\n') };
}

const HEADER =
  'grant,request,requester,requester_name,principal,principal_label,target,account,resource,justification,ticket,approval,extensions,breakglass_review,granted_at,expires_at,ended_at,ended,ended_by,pre_existing,aws_request_ids,okta_request_ids';

const CSV = {
  expired:
    'GNT-EXPIRED1,REQ-EXPIRED1,UALICE,Alice Example,ualice,IAM user ualice in Production (111111111111),prod-admin,111111111111,aws:111111111111:group/jit-prod-admin,rotating the ops database keys,OPS-101,"UAPPROVER1 at 2024-05-01T09:01:00Z, UAPPROVER2 at 2024-05-01T09:02:00Z",REQ-EXTEND01: UAPPROVER1 at 2024-05-01T09:45:00Z,,2024-05-01T09:02:30Z,2024-05-01T11:00:00Z,2024-05-01T11:00:05Z,expired,jitbot,no,sts.AssumeRole=sts-1; iam.AddUserToGroup=iam-add-1; scheduler.CreateSchedule=sch-create-1; iam.RemoveUserFromGroup=iam-remove-1; scheduler.DeleteSchedule=sch-delete-1,',
  revoked:
    'GNT-REVOKED1,REQ-REVOKED1,UBOB,,ubob,IAM user ubob in Production (111111111111),prod-admin,111111111111,aws:111111111111:group/jit-prod-admin,"\'=HYPERLINK(""x"") | fix\nthe <b>thing</b>",,UAPPROVER1 at 2024-05-01T10:01:00Z,,,2024-05-01T10:01:30Z,2024-05-01T11:01:30Z,2024-05-01T10:30:00Z,revoked,UBOB,no,iam.RemoveUserFromGroup=iam-remove-2,',
  backstop:
    'GNT-BACKSTP1,REQ-BACKSTP1,UDAN,Dan | Ops,udan,IAM user udan in Production (111111111111),prod-admin,111111111111,aws:111111111111:group/jit-prod-admin,rotating the ops database keys,OPS-101,UAPPROVER2 at 2024-05-01T11:05:00Z,,,2024-05-01T11:05:30Z,2024-05-01T12:05:30Z,2024-05-01T12:20:00Z,backstop,backstop schedule,no,scheduler.DeleteSchedule=sch-delete-3,',
  byHand:
    'GNT-BYHAND01,REQ-BYHAND01,UERIN,,uerin,IAM user uerin in Production (111111111111),prod-admin,111111111111,aws:111111111111:group/jit-prod-admin,rotating the ops database keys,OPS-101,UAPPROVER1 at 2024-05-01T12:01:00Z,,,2024-05-01T12:01:30Z,2024-05-01T13:01:30Z,2024-05-01T14:00:00Z,closed by hand,cli:alice@example.com,no,iam.RemoveUserFromGroup=iam-remove-4,',
  outside:
    'GNT-OUTSIDE1,REQ-OUTSIDE1,UFAY,,ufay,IAM user ufay in Production (111111111111),prod-admin,,aws:111111111111:group/jit-prod-admin,rotating the ops database keys,OPS-101,UAPPROVER1 at 2024-05-01T13:01:00Z,,,2024-05-01T13:01:30Z,2024-05-01T14:01:30Z,2024-05-01T13:30:00Z,removed outside jitbot,jitbot,no,,',
  drift:
    'GNT-DRIFTED1,REQ-DRIFTED1,UGUS,,ugus,IAM user ugus in Production (111111111111),prod-admin,111111111111,aws:111111111111:group/jit-prod-admin,rotating the ops database keys,OPS-101,UAPPROVER1 at 2024-05-01T14:01:00Z,,,2024-05-01T14:01:30Z,2024-05-01T15:01:30Z,2024-05-01T16:00:01Z,removed as drift,UADMIN,no,iam.RemoveUserFromGroup=iam-remove-6,',
  breakglass:
    'GNT-BRKGLAS1,REQ-BRKGLAS1,UCAROL,carol,00u1carol,Okta user carol@example.com,okta-admins,https://example.okta.com,okta:example.okta.com:group/00g1admins,rotating the ops database keys,OPS-101,breakglass at 2024-05-01T15:00:00Z,,UADMIN at 2024-05-01T15:30:00Z,2024-05-01T15:00:10Z,2024-05-01T16:00:10Z,,still active,,no,,addUserToGroup=okta-req-7',
  auto: 'GNT-AUTOAPP1,REQ-AUTOAPP1,UHAL,,uhal,IAM user uhal in Production (111111111111),prod-admin,,aws:111111111111:group/jit-prod-admin,rotating the ops database keys,OPS-101,auto at 2024-05-01T16:00:00Z,,,2024-05-01T16:00:05Z,2024-05-01T17:00:05Z,2024-05-01T17:00:10Z,expired,jitbot,yes,,',
  failed:
    'GNT-FAILED01,REQ-FAILED01,UIVY,,uivy,IAM user uivy in Production (111111111111),prod-admin,,aws:111111111111:group/jit-prod-admin,rotating the ops database keys,OPS-101,breakglass at 2024-05-01T17:00:00Z,,not reviewed,,2024-05-01T18:00:00Z,2024-05-01T17:00:20Z,failed,jitbot,,,',
};

describe('jitbot report access', () => {
  it('writes one CSV line per grant, in the order access began, with how each one ended', async () => {
    const run = await report(['access']);
    expect(run.code).toBe(0);
    expect(run.out).toEqual([HEADER, ...Object.values(CSV)]);
    expect(run.err).toBe('9 grants from the first grant to now');
  });

  it('keeps the grants whose access overlaps the window: --since inclusive, --until exclusive', async () => {
    const run = await report([
      'access',
      '--since',
      '2024-05-01T12:30:00Z',
      '--until',
      '2024-05-01T15:00:05Z',
    ]);
    expect(run.out).toEqual([HEADER, CSV.byHand, CSV.outside, CSV.drift]);
    expect(run.err).toBe('3 grants from 2024-05-01T12:30:00Z to 2024-05-01T15:00:05Z');
    // A grant still active overlaps every window after it began.
    const later = await report(['access', '--since', '2024-05-01T16:30:00Z']);
    expect(later.out).toEqual([HEADER, CSV.breakglass, CSV.auto, CSV.failed]);
  });

  it('writes a Markdown table with pipes and markup escaped and line breaks as spaces', async () => {
    const run = await report(['access', '--format', 'md', '--until', '2024-05-01T11:05:30Z']);
    expect(run.code).toBe(0);
    expect(run.out).toEqual([
      `| ${HEADER.split(',').join(' | ')} |`,
      `|${HEADER.split(',')
        .map(() => '---')
        .join('|')}|`,
      '| GNT-EXPIRED1 | REQ-EXPIRED1 | UALICE | Alice Example | ualice | IAM user ualice in Production (111111111111) | prod-admin | 111111111111 | aws:111111111111:group/jit-prod-admin | rotating the ops database keys | OPS-101 | UAPPROVER1 at 2024-05-01T09:01:00Z, UAPPROVER2 at 2024-05-01T09:02:00Z | REQ-EXTEND01: UAPPROVER1 at 2024-05-01T09:45:00Z |  | 2024-05-01T09:02:30Z | 2024-05-01T11:00:00Z | 2024-05-01T11:00:05Z | expired | jitbot | no | sts.AssumeRole=sts-1; iam.AddUserToGroup=iam-add-1; scheduler.CreateSchedule=sch-create-1; iam.RemoveUserFromGroup=iam-remove-1; scheduler.DeleteSchedule=sch-delete-1 |  |',
      '| GNT-REVOKED1 | REQ-REVOKED1 | UBOB |  | ubob | IAM user ubob in Production (111111111111) | prod-admin | 111111111111 | aws:111111111111:group/jit-prod-admin | =HYPERLINK("x") \\| fix the &lt;b&gt;thing&lt;/b&gt; |  | UAPPROVER1 at 2024-05-01T10:01:00Z |  |  | 2024-05-01T10:01:30Z | 2024-05-01T11:01:30Z | 2024-05-01T10:30:00Z | revoked | UBOB | no | iam.RemoveUserFromGroup=iam-remove-2 |  |',
    ]);
  });

  it.each([
    [[], 'which report? jitbot has one: access'],
    [['grants'], 'there is no report "grants": give access'],
    [['access', '--format', 'pdf'], '--format pdf is not one jitbot writes: give csv or md'],
    [['access', '--since', 'last week'], '--since: "last week" is neither a date, a time nor a duration'],
    [['access', '--out', 'x.csv'], 'there is no option --out: the options are --since, --until and --format'],
  ])('refuses %j with exit 2, words and the usage', async (args, words) => {
    const run = await report(args);
    expect(run.code).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.err).toContain(words);
    expect(run.err).toContain('Usage:\n  jitbot report access');
  });
});

describe('grants jitbot made and ended itself', () => {
  const AWS_ACCOUNT = '333333333333';
  const APPROVER = 'URAPPROVER1';
  const jitbot = useJitbot({
    settings: { adminChannel: 'CRADMIN1', approvalTimeout: '1h', expiryWarning: '15m' },
    accounts: [opsAccount({ accountId: AWS_ACCOUNT, externalId: 'report-external-id', scheduler: true })],
    targets: [
      iamGroupTarget('ops-admin', {
        name: 'Ops admin',
        account: 'ops',
        group: 'jit-ops-admin',
        approvers: [APPROVER],
      }),
    ],
  });
  const newUser = userIds('UREPORT');
  const { grantFor, expireNow, untilEnded, whileStopped, fireBackstops, expiredTenMinutesAgo } = grantSteps(
    () => jitbot,
    { approver: APPROVER },
  );

  async function reviewOf(grantId: string): Promise<ReviewLine | undefined> {
    const grants = await listGrantsForReview(jitbot.database.pool, {});
    const found = grants.find((grant) => grant.id === grantId);
    return found && reviewLine(found);
  }

  /** `<action>=<AWS request id>` of this grant's calls, as the call recorder stored them. */
  async function recordedCalls(grantId: string): Promise<string[]> {
    const { rows } = await jitbot.database.pool.query<{ call: string }>(
      `SELECT substr(action, 5) || '=' || (details->>'providerRequestId') AS call FROM audit_events
        WHERE grant_id = $1 AND action LIKE 'aws.%' AND details->>'providerRequestId' IS NOT NULL ORDER BY id`,
      [grantId],
    );
    return rows.map((row) => row.call);
  }

  it('an expiry: who asked and approved, the account, and every AWS request id', async () => {
    const requester = newUser();
    jitbot.slack.setUser(requester, { real_name: 'Rita Report' });
    const grant = await grantFor('ops-admin', requester);
    await expireNow(grant.id);
    await untilEnded(grant.id);
    const line = await reviewOf(grant.id);
    const calls = await recordedCalls(grant.id);
    expect(calls.some((call) => call.startsWith('iam.AddUserToGroup='))).toBe(true);
    expect(calls.some((call) => call.startsWith('iam.RemoveUserFromGroup='))).toBe(true);
    expect(line).toMatchObject({
      requester,
      requester_name: 'Rita Report',
      principal: requester.toLowerCase(),
      target: 'ops-admin',
      account: AWS_ACCOUNT,
      ended: 'expired',
      ended_by: 'jitbot',
      pre_existing: 'no',
      aws_request_ids: calls.join('; '),
    });
    expect(line?.approval).toMatch(new RegExp(`^${APPROVER} at \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z$`));
  });

  it('"Revoke now" by the holder: revoked, by them', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-admin', requester);
    await jitbot.click(ACTIONS.revokeNow, grant.id, requester);
    await untilEnded(grant.id);
    expect(await reviewOf(grant.id)).toMatchObject({ ended: 'revoked', ended_by: requester });
  });

  it('the backstop took the access away while jitbot was down: backstop', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-admin', requester);
    await whileStopped(async () => {
      expect(fireBackstops()).toContain(`jitbot-${grant.id}`);
      await expiredTenMinutesAgo(grant.id);
    });
    await untilEnded(grant.id);
    expect(await reviewOf(grant.id)).toMatchObject({ ended: 'backstop', ended_by: 'backstop schedule' });
  });

  it('jitbot report access prints the same as a Markdown table through the CLI', async () => {
    const requester = newUser();
    const grant = await grantFor('ops-admin', requester);
    const run = runCli(['report', 'access', '--format', 'md'], jitbot.cliEnv());
    const exit = await run.exited;
    expect(exit.code, run.output()).toBe(0);
    const row = run
      .output()
      .split('\n')
      .find((text) => text.startsWith(`| ${grant.id} |`));
    expect(row).toContain(`| ${requester} |`);
    expect(row).toContain('| still active |');
    expect(run.output()).toMatch(/^\d+ grants from the first grant to now$/m);
  });
});
