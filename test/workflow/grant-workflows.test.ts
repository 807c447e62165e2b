/**
 * The grant workflow's rules that are hard to reach through the real AWS fake: a grant that may
 * have half-happened, an approval racing a revocation, a stale membership read. Real PostgreSQL,
 * an in-memory provider, job attempts passed by hand.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseCatalog } from '../../src/config/catalog.js';
import {
  claimDueRevocations,
  extendRevocationLeases,
  PRESENCE_POLL_MS,
} from '../../src/db/grant-schedule-repository.js';
import {
  createReplicaPresence,
  PRESENCE_LOCK_SPACE,
  PRESENT_CLAIMANTS,
} from '../../src/db/replica-presence.js';
import { createPostgresRequestStores } from '../../src/db/request-stores.js';
import { findRequest } from '../../src/db/requests-repository.js';
import { newGrantId, newRequestId } from '../../src/domain/request-id.js';
import { createRevocationSource } from '../../src/jobs/revocation-source.js';
import { ProviderError } from '../../src/ports/access-provider.js';
import type { RequestStores } from '../../src/ports/request-stores.js';
import { applyGrant } from '../../src/workflow/apply-grant.js';
import { decideRequest } from '../../src/workflow/decide-request.js';
import type { GrantWorkflowDeps } from '../../src/workflow/grant-deps.js';
import { GRANT_MAX_ATTEMPTS } from '../../src/workflow/notices.js';
import { type PrepareDeps, prepareRequest } from '../../src/workflow/prepare-request.js';
import { revokeClaimedGrant } from '../../src/workflow/revoke-grants.js';
import { submitRequest } from '../../src/workflow/submit-request.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/database.js';
import { accessDenied, MemoryProvider, timeout } from '../support/memory-provider.js';
import { PEOPLE, TEST_CATALOG_DATA, testCatalog, testMembers } from '../support/test-catalog.js';

let database: TestDatabase;
let provider: MemoryProvider;
let deps: PrepareDeps & { stores: RequestStores };
let sequence = 0;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});
afterAll(() => database.drop());
beforeEach(() => {
  provider = new MemoryProvider();
  const grants: GrantWorkflowDeps = {
    pool: database.pool,
    catalog: testCatalog(),
    providers: { 'aws-iam-group': provider },
    members: testMembers,
    newGrantId,
    random: () => 0,
  };
  deps = {
    ...grants,
    stores: createPostgresRequestStores(database.pool),
    people: {
      lookup: async (userId) => ({ userId, email: `${userId.toLowerCase()}@example.com`, inactive: false }),
    },
  };
});

function person(): string {
  sequence += 1;
  return `UGW${sequence}`;
}

/** A request for prod-admin, checked and approved, ready for its grant job. */
async function approvedRequest(requesterId: string): Promise<string> {
  const workflows = { ...deps, newRequestId };
  const outcome = await submitRequest(workflows, {
    requesterId,
    targetId: 'prod-admin',
    duration: '1h',
    justification: 'testing the grant workflow',
  });
  if (outcome.type !== 'submitted') throw new Error(outcome.type);
  expect(await prepareRequest(deps, outcome.request.id, 1)).toEqual({ status: 'done' });
  await decideRequest(workflows, {
    requestId: outcome.request.id,
    actorId: PEOPLE.approver1,
    decision: 'approve',
  });
  return outcome.request.id;
}

/** A grant of `requester` applied and then past its expiry, not yet claimed by any revoker. */
async function grantPastExpiry(requester: string): Promise<{ id: string; grantId: string }> {
  const id = await approvedRequest(requester);
  await applyGrant(deps, id, 1);
  const grantId = (await grantRow(id)).id;
  await database.pool.query('UPDATE grants SET expires_at = now() WHERE id = $1', [grantId]);
  return { id, grantId };
}

async function grantRow(requestId: string) {
  const { rows } = await database.pool.query(
    'SELECT g.* FROM grants g JOIN requests r ON r.grant_id = g.id WHERE r.id = $1',
    [requestId],
  );
  return rows[0];
}

/** The test catalog with prod-admin naming another group, as after a correction. */
function withProdAdminGroup(group: string) {
  return parseCatalog(
    stringify({
      ...TEST_CATALOG_DATA,
      targets: TEST_CATALOG_DATA.targets.map((t) => (t.id === 'prod-admin' ? { ...t, group } : t)),
    }),
    'test-catalog.yaml',
    {},
  );
}

async function revokeDue(): Promise<void> {
  const source = createRevocationSource(deps, silentLogger);
  await source.runDue();
  await source.drain?.();
}

describe('a grant that fails', () => {
  it('after its add timed out on every try, is failed and whatever it may have added is removed', async () => {
    const requester = person();
    const id = await approvedRequest(requester);
    // Each try "times out" and the membership is not seen afterwards: whether AWS did the work
    // stays unknown, so the grant is tried again, then given up and cleaned up.
    for (let attempt = 1; attempt <= GRANT_MAX_ATTEMPTS; attempt += 1) {
      provider.script('grant', (principal) => {
        provider.members.delete(principal);
        throw timeout();
      });
      const outcome = await applyGrant(deps, id, attempt);
      expect(outcome.status).toBe(attempt < GRANT_MAX_ATTEMPTS ? 'retry' : 'failed');
    }
    expect(await findRequest(database.pool, id)).toMatchObject({ status: 'failed' });
    expect((await grantRow(id)).status).toBe('revoking');
    await revokeDue();
    expect((await grantRow(id)).status).toBe('failed');
    expect(provider.members.has(requester.toLowerCase())).toBe(false);
    expect(provider.schedules.size).toBe(0);
  });

  it('whose add was done but its answer lost (a replica killed mid-call) is found on the next try, not added twice', async () => {
    const requester = person();
    const id = await approvedRequest(requester);
    provider.script('grant', () => {
      throw timeout();
    });
    expect(await applyGrant(deps, id, 1)).toMatchObject({ status: 'retry' });
    const adds = provider.grantedTo.length;
    expect(await applyGrant(deps, id, 2)).toEqual({ status: 'done' });
    expect(provider.grantedTo).toHaveLength(adds);
    expect((await grantRow(id)).status).toBe('active');
    const { rows } = await database.pool.query(
      "SELECT count(*)::int AS found FROM audit_events WHERE request_id = $1 AND action = 'grant.add-found'",
      [id],
    );
    expect(rows[0]?.found).toBe(1);
    expect(provider.members.has(requester.toLowerCase())).toBe(true);
  });

  it('refused outright (AccessDenied) is failed at once, its backstop deleted, and nothing removed', async () => {
    const requester = person();
    const id = await approvedRequest(requester);
    provider.script('grant', (principal) => {
      provider.members.delete(principal);
      throw accessDenied();
    });
    expect(await applyGrant(deps, id, 1)).toMatchObject({ status: 'failed' });
    const request = await findRequest(database.pool, id);
    expect(request).toMatchObject({
      status: 'failed',
      decisionReason: expect.stringContaining('not allowed to iam:AddUserToGroup'),
    });
    await revokeDue();
    expect((await grantRow(id)).status).toBe('failed');
    expect(provider.calls.filter((call) => call.startsWith('revoke:'))).toEqual([]);
    expect(provider.calls).toContain(`backstop.clear:${(await grantRow(id)).id}`);
  });
});

describe('a grant whose time ran out before it was applied', () => {
  it('adds nothing, removes the backstop it made, and tells the requester to ask again', async () => {
    const requester = person();
    const id = await approvedRequest(requester);
    // The backstop is made but its answer is lost: the job is retried later...
    provider.script('backstop.set', (grantId) => {
      provider.schedules.set(grantId, new Date());
      throw timeout();
    });
    expect(await applyGrant(deps, id, 1)).toMatchObject({ status: 'retry' });
    // ...after the grant's whole time has gone by (jitbot down, or its job held by a dead replica).
    await database.pool.query("UPDATE grants SET expires_at = now() - interval '1 second' WHERE id = $1", [
      (await grantRow(id)).id,
    ]);
    expect(await applyGrant(deps, id, 2)).toEqual({ status: 'done' });
    expect(provider.grantedTo).not.toContain(requester.toLowerCase());
    // The revoker deletes the schedule by its name, as for any grant given up.
    await revokeDue();
    expect((await grantRow(id)).status).toBe('failed');
    expect(provider.members.has(requester.toLowerCase())).toBe(false);
    expect(provider.schedules.size).toBe(0);
    const request = await findRequest(database.pool, id);
    expect(request).toMatchObject({
      status: 'failed',
      decisionReason: expect.stringContaining('its time ran out before the access could be put in place'),
    });
  });
});

describe('an approval while the same access is being revoked', () => {
  it('waits for the revocation to finish, then grants anew instead of extending what is going away', async () => {
    const requester = person();
    const first = await approvedRequest(requester);
    await applyGrant(deps, first, 1);
    const firstGrant = await grantRow(first);
    await database.pool.query('UPDATE grants SET expires_at = now() WHERE id = $1', [firstGrant.id]);
    // Claimed by a revoker that has not finished yet.
    const claimed = await claimDueRevocations(database.pool, 10, 120);
    expect(claimed.map((grant) => grant.id)).toContain(firstGrant.id);

    const second = await approvedRequest(requester);
    expect(await applyGrant(deps, second, 1)).toMatchObject({ status: 'retry' });
    expect(await grantRow(second)).toBeUndefined();

    await database.pool.query('UPDATE grants SET next_attempt_at = now() WHERE id = $1', [firstGrant.id]);
    await revokeDue();
    expect(await applyGrant(deps, second, 2)).toEqual({ status: 'done' });
    const secondGrant = await grantRow(second);
    expect(secondGrant).toMatchObject({ status: 'active', pre_existing: false });
    expect(secondGrant.id).not.toBe(firstGrant.id);
    expect(provider.members.has(requester.toLowerCase())).toBe(true);
  });
});

describe('a revoker whose lease ran out while it hung', () => {
  /** A grant past expiry, claimed by one replica, whose lease then ran out and another took it up. */
  async function takenOverRevocation(requester: string) {
    const { grantId } = await grantPastExpiry(requester);
    const [stale] = await claimDueRevocations(database.pool, 10, 120);
    expect(stale?.id).toBe(grantId);
    await database.pool.query('UPDATE grants SET next_attempt_at = now() WHERE id = $1', [grantId]);
    const [current] = await claimDueRevocations(database.pool, 10, 120);
    expect(current?.id).toBe(grantId);
    if (!stale || !current) throw new Error('both claims expected');
    return { stale, current };
  }

  async function leaseOf(grantId: string) {
    const { rows } = await database.pool.query<{ leased: Date | null; error: string | null }>(
      'SELECT revoke_leased_until AS leased, last_error AS error FROM grants WHERE id = $1',
      [grantId],
    );
    return rows[0];
  }

  it('stops before acting once another replica took the grant up, though it is still being revoked', async () => {
    const requester = person();
    const { stale } = await takenOverRevocation(requester);

    await revokeClaimedGrant(deps, stale, silentLogger, { heldUntil: Date.now() - 1 });

    expect(provider.calls).not.toContain(`revoke:${requester.toLowerCase()}`);
    expect(provider.members.has(requester.toLowerCase())).toBe(true);
    expect((await grantRow(stale.requestId)).status).toBe('revoking');
    expect((await leaseOf(stale.id))?.error).toBeNull();
  });

  it("a failure it met leaves the new holder's lease alone, and the new holder revokes once", async () => {
    const requester = person();
    const { stale, current } = await takenOverRevocation(requester);
    const before = await leaseOf(current.id);
    provider.script('revoke', () => {
      throw timeout();
    });

    // Its check passed before the lease ran out; the AWS call then failed.
    await revokeClaimedGrant(deps, stale, silentLogger, { heldUntil: Date.now() + 60_000 });
    // Nor does its heartbeat, still beating, stretch the new holder's lease.
    expect(await extendRevocationLeases(database.pool, [stale], 600)).toEqual([]);
    expect(await leaseOf(current.id)).toEqual(before);
    expect(await extendRevocationLeases(database.pool, [current], 120)).toEqual([current.id]);

    await revokeClaimedGrant(deps, current, silentLogger, { heldUntil: Date.now() + 60_000 });
    expect(provider.members.has(requester.toLowerCase())).toBe(false);
    expect((await grantRow(stale.requestId)).status).toBe('revoked');
  });
});

describe('renewing the leases of a burst of revocations', () => {
  it('skips a grant another statement has locked instead of waiting on it (waiting could deadlock)', async () => {
    const requesters = [person(), person()];
    const ids: string[] = [];
    for (const requester of requesters) ids.push((await grantPastExpiry(requester)).grantId);
    const held = (await claimDueRevocations(database.pool, 10, 120)).filter((grant) =>
      ids.includes(grant.id),
    );
    expect(held).toHaveLength(2);
    const [locked, free] = held;
    if (!locked || !free) throw new Error('two claims expected');

    // A finishing transaction holds one row, as a burst's batch does while it records its ends.
    const finishing = await database.pool.connect();
    try {
      await finishing.query('BEGIN');
      await finishing.query('SELECT 1 FROM grants WHERE id = $1 FOR UPDATE', [locked.id]);
      const renewal = extendRevocationLeases(database.pool, held, 120);
      const answer = await Promise.race([
        renewal,
        new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 5_000)),
      ]);
      expect(answer).toEqual([free.id]);
    } finally {
      await finishing.query('ROLLBACK');
      finishing.release();
    }
    // The next renewal, a quarter of a lease later, renews it.
    expect((await extendRevocationLeases(database.pool, held, 120)).sort()).toEqual(
      [locked.id, free.id].sort(),
    );
  });
});

describe('a replica killed while revoking', () => {
  /** Whether a presence key is held, as every replica sees it. */
  async function present(key: number): Promise<boolean> {
    const { rows } = await database.pool.query(
      `SELECT 1 FROM (${PRESENT_CLAIMANTS}) AS present(key) WHERE key = $1`,
      [key],
    );
    return rows.length > 0;
  }

  it('has its revocation taken up by another replica at once, not when its lease runs out', async () => {
    const requester = person();
    const { id, grantId } = await grantPastExpiry(requester);
    const killed = createReplicaPresence(database.pool, silentLogger);
    const survivor = createReplicaPresence(database.pool, silentLogger);
    const other = createRevocationSource(deps, silentLogger, survivor);
    try {
      const key = (await killed.ensure())?.key;
      if (key === undefined) throw new Error('the first replica could not take its presence lock');
      // Its claim holds for two minutes: only its presence can end it sooner.
      expect((await claimDueRevocations(database.pool, 10, 120, key)).map((grant) => grant.id)).toEqual([
        grantId,
      ]);

      // While it is there, slow or not, its revocation is its own; the other looks again shortly.
      expect(await other.runDue()).toBe(0);
      const looksAgainAt = (await other.nextDueAt())?.getTime() ?? Number.POSITIVE_INFINITY;
      expect(looksAgainAt).toBeLessThanOrEqual(Date.now() + PRESENCE_POLL_MS + 1000);

      // SIGKILL closes its connections: the server ends them, and its lock with them.
      await database.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
          WHERE locktype = 'advisory' AND classid = $1::bigint::oid AND objsubid = 2 AND objid = $2::bigint::oid`,
        [PRESENCE_LOCK_SPACE, key],
      );
      await expect.poll(() => present(key), { timeout: 5000, interval: 20 }).toBe(false);
      expect(killed.current()).toBeUndefined();

      expect(await other.runDue()).toBe(1);
      await other.drain?.();
      expect(provider.calls.filter((call) => call === `revoke:${requester.toLowerCase()}`)).toHaveLength(1);
      expect(provider.members.has(requester.toLowerCase())).toBe(false);
      expect(await grantRow(id)).toMatchObject({
        status: 'revoked',
        revoke_attempts: 2,
        revoke_claimant: null,
      });
    } finally {
      await killed.close();
      await survivor.close();
    }
  });

  it('a replica without its presence lock still has its revocations taken up when the lease runs out', async () => {
    const requester = person();
    const { id, grantId } = await grantPastExpiry(requester);
    const survivor = createReplicaPresence(database.pool, silentLogger);
    const other = createRevocationSource(deps, silentLogger, survivor);
    try {
      expect((await claimDueRevocations(database.pool, 10, 120)).map((grant) => grant.id)).toEqual([grantId]);
      // Nothing names its replica, so nothing says it died: the lease decides.
      expect(await other.runDue()).toBe(0);
      expect((await other.nextDueAt())?.getTime()).toBeGreaterThan(Date.now() + 60_000);
      await database.pool.query('UPDATE grants SET next_attempt_at = now() WHERE id = $1', [grantId]);
      expect(await other.runDue()).toBe(1);
      await other.drain?.();
      expect(await grantRow(id)).toMatchObject({ status: 'revoked' });
    } finally {
      await survivor.close();
    }
  });
});

describe('reading the membership before granting', () => {
  it('does not take a stale "member" right after jitbot removed it as pre-existing access', async () => {
    const requester = person();
    const first = await approvedRequest(requester);
    await applyGrant(deps, first, 1);
    await database.pool.query('UPDATE grants SET expires_at = now() WHERE id = $1', [
      (await grantRow(first)).id,
    ]);
    await revokeDue();
    provider.staleMembers.add(requester.toLowerCase());

    const second = await approvedRequest(requester);
    await applyGrant(deps, second, 1);
    expect(await grantRow(second)).toMatchObject({ status: 'active', pre_existing: false });
    await database.pool.query('UPDATE grants SET expires_at = now() WHERE id = $1', [
      (await grantRow(second)).id,
    ]);
    await revokeDue();
    expect(provider.calls.filter((call) => call === `revoke:${requester.toLowerCase()}`)).toHaveLength(2);
  });

  it('does take a real membership from before as pre-existing, and never removes it', async () => {
    const requester = person();
    provider.members.add(requester.toLowerCase());
    const id = await approvedRequest(requester);
    await applyGrant(deps, id, 1);
    expect(await grantRow(id)).toMatchObject({ status: 'active', pre_existing: true });
    await database.pool.query('UPDATE grants SET expires_at = now() WHERE id = $1', [
      (await grantRow(id)).id,
    ]);
    await revokeDue();
    expect((await grantRow(id)).status).toBe('revoked');
    expect(provider.members.has(requester.toLowerCase())).toBe(true);
  });
});

describe('finding the principal', () => {
  it('refuses a deactivated Slack account before anyone is asked', async () => {
    const requester = person();
    const inactive: PrepareDeps = {
      ...deps,
      people: { lookup: async (userId) => ({ userId, inactive: true }) },
    };
    const outcome = await submitRequest(
      { ...deps, newRequestId },
      {
        requesterId: requester,
        targetId: 'prod-admin',
        duration: '1h',
        justification: 'testing the grant workflow',
      },
    );
    if (outcome.type !== 'submitted') throw new Error(outcome.type);
    await prepareRequest(inactive, outcome.request.id, 1);
    expect(await findRequest(database.pool, outcome.request.id)).toMatchObject({
      status: 'failed',
      decisionReason: expect.stringContaining('deactivated'),
    });
    const { rows } = await database.pool.query(
      "SELECT kind FROM jobs WHERE payload->>'requestId' = $1 AND kind = 'slack.request-submitted'",
      [outcome.request.id],
    );
    expect(rows).toEqual([]);
  });
});

describe('found by the review of claims and cleanups', () => {
  it('a backstop that cannot be created fails the grant before any add, so cleanup removes nothing', async () => {
    const requester = person();
    provider.members.add('someone-else-added-me');
    const id = await approvedRequest(requester);
    provider.script('backstop.set', () => {
      throw new ProviderError('aws_access_denied', 'AWS refused: not allowed to iam:PassRole', {
        kind: 'denied',
      });
    });
    expect(await applyGrant(deps, id, 1)).toMatchObject({ status: 'failed' });
    // An admin adds the person by hand meanwhile: jitbot never asked for it, so it stays.
    provider.members.add(requester.toLowerCase());
    await revokeDue();
    expect((await grantRow(id)).status).toBe('failed');
    expect(provider.members.has(requester.toLowerCase())).toBe(true);
    expect(provider.calls.filter((call) => call.startsWith('grant:') || call.startsWith('revoke:'))).toEqual(
      [],
    );
  });

  it('a target that left the catalog while its grant was half applied hands the grant to the revoker', async () => {
    const requester = person();
    const id = await approvedRequest(requester);
    provider.script('grant', () => {
      throw timeout();
    });
    expect(await applyGrant(deps, id, 1)).toMatchObject({ status: 'retry' });
    const without = parseCatalog(
      stringify({
        ...TEST_CATALOG_DATA,
        targets: TEST_CATALOG_DATA.targets.filter((t) => t.id !== 'prod-admin'),
      }),
      'test-catalog.yaml',
      {},
    );
    const shrunk = { ...deps, catalog: without };
    expect(await applyGrant(shrunk, id, 2)).toEqual({ status: 'done' });
    expect(await findRequest(database.pool, id)).toMatchObject({ status: 'failed' });
    // Not left pending for ever: the revoker owns it, and says it cannot reach the target.
    expect((await grantRow(id)).status).toBe('revoking');
    const source = createRevocationSource(shrunk, silentLogger);
    await source.runDue();
    await source.drain?.();
    const { rows } = await database.pool.query(
      "SELECT payload FROM jobs WHERE kind = 'slack.admin-alert' AND payload->>'grantId' = $1",
      [(await grantRow(id)).id],
    );
    expect(rows.map((row) => row.payload.alert)).toContain('target-missing');
  });

  it('a target changed in the catalog to another group: the revoker takes away the group it gave', async () => {
    const requester = person();
    const id = await approvedRequest(requester);
    expect(await applyGrant(deps, id, 1)).toEqual({ status: 'done' });
    const grant = await grantRow(id);
    const source = createRevocationSource(
      { ...deps, catalog: withProdAdminGroup('jit-prod-admin-v2') },
      silentLogger,
    );
    await database.pool.query("UPDATE grants SET expires_at = now() - interval '1 second' WHERE id = $1", [
      grant.id,
    ]);
    const before = provider.calls.length;
    await source.runDue();
    await source.drain?.();
    // The membership first, the backstop once that is confirmed (invariant 5).
    expect(provider.calls.slice(before)).toEqual([
      `revoke:${requester.toLowerCase()}`,
      `backstop.clear:${grant.id}`,
    ]);
    expect(provider.revokedFrom.at(-1)).toBe('jit-prod-admin');
    expect((await grantRow(id)).status).toBe('revoked');
  });

  it('a grant retried after the catalog named another group finishes with the group it began with', async () => {
    const requester = person();
    const id = await approvedRequest(requester);
    provider.script('grant', () => {
      throw timeout();
    });
    expect(await applyGrant(deps, id, 1)).toMatchObject({ status: 'retry' });
    const corrected = { ...deps, catalog: withProdAdminGroup('jit-prod-admin-v2') };
    expect(await applyGrant(corrected, id, 2)).toEqual({ status: 'done' });
    // The first try's add had happened: the second finds it in the group it began with, adds nothing.
    expect(provider.grantedTo.slice(-1)).toEqual(['jit-prod-admin']);
    expect(provider.grantedTo).not.toContain('jit-prod-admin-v2');
    const grant = await grantRow(id);
    expect(grant.status).toBe('active');
    expect(grant.resource).toBe('memory:jit-prod-admin');
  });

  it('a target jitbot can no longer reach the way it granted it: nothing is touched and the admins are told', async () => {
    const requester = person();
    const id = await approvedRequest(requester);
    expect(await applyGrant(deps, id, 1)).toEqual({ status: 'done' });
    const grant = await grantRow(id);
    provider.unreachable.add(grant.resource);
    await database.pool.query("UPDATE grants SET expires_at = now() - interval '1 second' WHERE id = $1", [
      grant.id,
    ]);
    const before = provider.calls.length;
    await revokeDue();
    expect(provider.calls.slice(before)).toEqual([]);
    expect(provider.members.has(requester.toLowerCase())).toBe(true);
    expect((await grantRow(id)).status).toBe('revoking');
    const { rows } = await database.pool.query(
      "SELECT payload FROM jobs WHERE kind = 'slack.admin-alert' AND payload->>'grantId' = $1",
      [grant.id],
    );
    expect(rows.map((row) => row.payload.alert)).toEqual(['target-changed']);
    expect(rows[0]?.payload.error).toContain(
      `take ${requester.toLowerCase()}'s access to memory:jit-prod-admin away by hand`,
    );
  });

  it('an approval does not extend a grant that is already past its expiry: it waits for the revocation', async () => {
    const requester = person();
    const first = await approvedRequest(requester);
    await applyGrant(deps, first, 1);
    await database.pool.query("UPDATE grants SET expires_at = now() - interval '1 second' WHERE id = $1", [
      (await grantRow(first)).id,
    ]);
    const second = await approvedRequest(requester);
    expect(await applyGrant(deps, second, 1)).toMatchObject({ status: 'retry', notAnAttempt: true });
    expect(await grantRow(second)).toBeUndefined();
  });

  it('an approval waiting behind a revocation that keeps failing ends, in words, instead of waiting for ever', async () => {
    const requester = person();
    const first = await approvedRequest(requester);
    await applyGrant(deps, first, 1);
    await database.pool.query(
      "UPDATE grants SET status = 'revoking', revoke_attempts = 5, last_error = 'AccessDenied', next_attempt_at = now() + interval '1 hour' WHERE id = $1",
      [(await grantRow(first)).id],
    );
    const second = await approvedRequest(requester);
    expect(await applyGrant(deps, second, 1)).toEqual({ status: 'done' });
    expect(await findRequest(database.pool, second)).toMatchObject({
      status: 'failed',
      decisionReason: expect.stringContaining('keeps failing (AccessDenied)'),
    });
  });
});
