import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockRequest } from '../../src/db/requests-repository.js';
import { completeMessage, reserveMessage } from '../../src/db/slack-messages-repository.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
let sequence = 0;
beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});
afterAll(async () => {
  await database.drop();
});

async function insertRequest(overrides: { requester?: string; target?: string; status?: string } = {}) {
  sequence += 1;
  const id = `req-${sequence}`;
  const status = overrides.status ?? 'pending';
  await database.pool.query(
    `INSERT INTO requests (id, target_id, requester_id, duration_seconds, justification, status, decided_at)
     VALUES ($1, $2, $3, 3600, 'fix the outage', $4::request_status, CASE WHEN $4::text = 'pending' THEN NULL ELSE now() END)`,
    [id, overrides.target ?? 'prod-admin', overrides.requester ?? 'U1', status],
  );
  return id;
}

async function insertGrant(
  requestId: string,
  overrides: { resource?: string; principal?: string; status?: string } = {},
) {
  sequence += 1;
  const status = overrides.status ?? 'active';
  await database.pool.query(
    `INSERT INTO grants (id, request_id, latest_request_id, target_id, resource, principal, requester_id,
                         status, pre_existing, expires_at, granted_at, revoked_at)
     VALUES ($1, $2, $2, 'prod-admin', $3, $4, 'U1', $5::grant_status, false, now() + interval '1 hour', now(),
             CASE WHEN $5::text = 'revoked' THEN now() END)`,
    [
      `grant-${sequence}`,
      requestId,
      overrides.resource ?? 'aws:111111111111:group/jit-admin',
      overrides.principal ?? 'alice',
      status,
    ],
  );
}

describe('audit log', () => {
  it('accepts new events and refuses to change or delete any', async () => {
    const { rows } = await database.pool.query(
      "INSERT INTO audit_events (actor, action, outcome) VALUES ('U1', 'request.submitted', 'ok') RETURNING id",
    );
    const id = rows[0].id;
    await expect(
      database.pool.query("UPDATE audit_events SET actor = 'U2' WHERE id = $1", [id]),
    ).rejects.toThrow(/audit_events is append-only: UPDATE is not allowed/);
    await expect(database.pool.query('DELETE FROM audit_events WHERE id = $1', [id])).rejects.toThrow(
      /append-only: DELETE/,
    );
    await expect(database.pool.query('TRUNCATE audit_events')).rejects.toThrow(/append-only: TRUNCATE/);
    const after = await database.pool.query('SELECT actor FROM audit_events WHERE id = $1', [id]);
    expect(after.rows).toEqual([{ actor: 'U1' }]);
  });
});

describe('one pending request per requester and target', () => {
  it('refuses a second pending request for the same person and target', async () => {
    await insertRequest({ requester: 'U-dup', target: 'prod-admin' });
    await expect(insertRequest({ requester: 'U-dup', target: 'prod-admin' })).rejects.toThrow(
      /requests_one_pending_per_requester_target/,
    );
  });

  it('allows the same person to ask for another target, and to ask again once decided', async () => {
    await insertRequest({ requester: 'U-other', target: 'prod-admin' });
    await insertRequest({ requester: 'U-other', target: 'staging-admin' });
    await insertRequest({ requester: 'U-other', target: 'prod-admin', status: 'denied' });
  });
});

describe('one live grant per principal and resource', () => {
  it('refuses a second active grant of the same group to the same person', async () => {
    const first = await insertRequest({ requester: 'U-g1', status: 'approved' });
    const second = await insertRequest({ requester: 'U-g1', status: 'approved' });
    await insertGrant(first, { principal: 'bob' });
    await expect(insertGrant(second, { principal: 'bob' })).rejects.toThrow(
      /grants_one_live_per_principal_resource/,
    );
  });

  it('allows a new grant once the earlier one is revoked, and other people at the same time', async () => {
    const request = await insertRequest({ requester: 'U-g2', status: 'approved' });
    await insertGrant(request, { principal: 'carol', status: 'revoked' });
    await insertGrant(request, { principal: 'carol' });
    await insertGrant(request, { principal: 'dave' });
  });

  it('counts a grant being revoked as live: a new grant waits until it is gone', async () => {
    const request = await insertRequest({ requester: 'U-g3', status: 'approved' });
    await insertGrant(request, { principal: 'erin', status: 'revoking' });
    await expect(insertGrant(request, { principal: 'erin' })).rejects.toThrow(
      /grants_one_live_per_principal_resource/,
    );
  });
});

describe('approvals', () => {
  it('counts one decision per approver per request', async () => {
    const request = await insertRequest({ requester: 'U-a' });
    const approve =
      "INSERT INTO approvals (request_id, approver_id, decision) VALUES ($1, 'U-approver', 'approve')";
    await database.pool.query(approve, [request]);
    await expect(database.pool.query(approve, [request])).rejects.toThrow(/duplicate key/);
  });

  it('refuses a status that is not a request status', async () => {
    await expect(insertRequest({ status: 'granted-ish' })).rejects.toThrow(
      /invalid input value for enum request_status/,
    );
  });
});

describe('message reservations', () => {
  it('a slot reserved by a process that died before posting is taken over after a while, never while fresh', async () => {
    const request = await insertRequest({ requester: 'U-msg' });
    expect(await reserveMessage(database.pool, request, 'approval', 'UAPPROVER')).toBe('reserved');
    // Fresh: the reserving process may still be posting.
    expect(await reserveMessage(database.pool, request, 'approval', 'UAPPROVER')).toBe('in-flight');
    await database.pool.query(
      "UPDATE slack_messages SET reserved_at = now() - interval '10 minutes' WHERE request_id = $1",
      [request],
    );
    expect(await reserveMessage(database.pool, request, 'approval', 'UAPPROVER')).toBe('reserved');
    // Once posted it is never taken over, however old.
    await completeMessage(database.pool, {
      requestId: request,
      purpose: 'approval',
      recipient: 'UAPPROVER',
      channel: 'D1',
      ts: '1.1',
    });
    await database.pool.query(
      "UPDATE slack_messages SET reserved_at = now() - interval '10 minutes' WHERE request_id = $1",
      [request],
    );
    expect(await reserveMessage(database.pool, request, 'approval', 'UAPPROVER')).toBe('posted');
  });
});

describe('row locks', () => {
  it('a request locked by a transaction that waits (on AWS, say) still takes message slots, and still keeps every other locker out', async () => {
    const request = await insertRequest({ requester: 'U-lock' });
    const holder = await database.pool.connect();
    const other = await database.pool.connect();
    try {
      await holder.query('BEGIN');
      await lockRequest(holder, request);
      // The slot refers to the request (a key share lock): it is not held up behind the lock.
      await other.query("SET statement_timeout = '2s'");
      expect(await reserveMessage(other, request, 'approval', 'UWAITING')).toBe('reserved');
      // A second decision on the request queues behind the first, as it always did.
      await other.query('BEGIN');
      await other.query("SET LOCAL lock_timeout = '200ms'");
      await expect(lockRequest(other, request)).rejects.toThrow(/lock timeout/);
      await other.query('ROLLBACK');
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
      await other.query('RESET statement_timeout');
      other.release();
    }
  });
});
