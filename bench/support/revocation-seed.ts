/**
 * Active grants written straight into the database, as the grant workflow leaves them once the
 * access is applied: an approved request linked to an active grant (pre_existing false, added
 * true, granted_at set, backstop_at = expiry + the backstop grace), and the backstop schedule
 * in the fake Scheduler, so each revocation's DeleteSchedule finds a schedule to delete.
 */
import type pg from 'pg';
import {
  atExpression,
  REMOVE_USER_TARGET_ARN,
  SCHEDULE_GROUP,
  scheduleNameFor,
} from '../../src/aws/scheduler-backstop.js';
import { backstopAtFor } from '../../src/domain/grant-timing.js';
import { newGrantId, newRequestId } from '../../src/domain/request-id.js';
import type { FakeAwsAccount } from '../../test/support/fake-aws.js';

export interface SeededGrant {
  readonly grantId: string;
  readonly requestId: string;
  readonly principal: string;
  readonly requesterId: string;
  /** Epoch milliseconds (whole). */
  readonly expiresAt: number;
}

export interface SeedTarget {
  readonly targetId: string;
  readonly accountId: string;
  readonly group: string;
  readonly approverId: string;
  readonly schedulerRoleArn: string;
}

function uniqueIds(count: number, make: () => string): string[] {
  const ids = new Set<string>();
  while (ids.size < count) ids.add(make());
  return [...ids];
}

/** `count` grants whose expiries are spread evenly over [firstAt, firstAt + windowMs). */
export function planGrants(principals: readonly string[], firstAt: number, windowMs: number): SeededGrant[] {
  const count = principals.length;
  const grantIds = uniqueIds(count, newGrantId);
  const requestIds = uniqueIds(count, newRequestId);
  return principals.map((principal, index) => ({
    grantId: grantIds[index] ?? '',
    requestId: requestIds[index] ?? '',
    principal,
    requesterId: `UBENCH${String(index).padStart(4, '0')}`,
    expiresAt: Math.round(firstAt + (index * windowMs) / count),
  }));
}

export async function insertGrants(
  pool: pg.Pool,
  target: SeedTarget,
  grants: readonly SeededGrant[],
): Promise<void> {
  const resource = `aws:${target.accountId}:group/${target.group}`;
  const column = <K extends keyof SeededGrant>(key: K) => grants.map((grant) => grant[key]);
  const expires = grants.map((grant) => new Date(grant.expiresAt));
  const backstops = grants.map((grant) => backstopAtFor(new Date(grant.expiresAt)));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // requests.grant_id and grants.request_id point at each other: request, grant, then the link.
    await client.query(
      `INSERT INTO requests (id, target_id, requester_id, principal, duration_seconds, justification,
                             status, approvals_required, decided_at, decided_by, approved_via)
       SELECT r.id, $4, r.requester, r.principal,
              GREATEST(1, ceil(extract(epoch FROM r.expires - now())))::int,
              'revocation-lag benchmark', 'approved', 1, now(), $5, 'approvers'
         FROM unnest($1::text[], $2::text[], $3::text[], $6::timestamptz[])
              AS r(id, requester, principal, expires)`,
      [
        column('requestId'),
        column('requesterId'),
        column('principal'),
        target.targetId,
        target.approverId,
        expires,
      ],
    );
    await client.query(
      `INSERT INTO approvals (request_id, approver_id, decision)
       SELECT id, $2, 'approve' FROM unnest($1::text[]) AS r(id)`,
      [column('requestId'), target.approverId],
    );
    await client.query(
      `INSERT INTO grants (id, request_id, latest_request_id, target_id, resource, principal, requester_id,
                           status, pre_existing, added, add_attempted, expires_at, warn_at, backstop_at, granted_at)
       SELECT g.id, g.request, g.request, $4, $5, g.principal, g.requester,
              'active', false, true, true, g.expires, NULL, g.backstop, now()
         FROM unnest($1::text[], $2::text[], $3::text[], $6::text[], $7::timestamptz[], $8::timestamptz[])
              AS g(id, request, principal, requester, expires, backstop)`,
      [
        column('grantId'),
        column('requestId'),
        column('principal'),
        target.targetId,
        resource,
        column('requesterId'),
        expires,
        backstops,
      ],
    );
    await client.query(
      `UPDATE requests SET grant_id = l.grant_id, updated_at = now()
         FROM unnest($1::text[], $2::text[]) AS l(request_id, grant_id)
        WHERE requests.id = l.request_id`,
      [column('requestId'), column('grantId')],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The backstop schedule each grant would have had since it was applied (never fired here). */
export function createBackstops(
  account: FakeAwsAccount,
  target: SeedTarget,
  grants: readonly SeededGrant[],
): void {
  for (const grant of grants) {
    account.scheduler('CreateSchedule', scheduleNameFor(grant.grantId), SCHEDULE_GROUP, {
      ScheduleExpression: atExpression(backstopAtFor(new Date(grant.expiresAt))),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: REMOVE_USER_TARGET_ARN,
        RoleArn: target.schedulerRoleArn,
        Input: JSON.stringify({ GroupName: target.group, UserName: grant.principal }),
      },
      ActionAfterCompletion: 'DELETE',
    });
  }
}
