/**
 * The rules against unapproved extensions and request floods at the workflow level: real
 * PostgreSQL, an in-memory provider, jobs run by hand. "Replicas" are separate connection pools
 * on the same database, each with its own deps, as two jitbot processes would have.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseCatalog } from '../../src/config/catalog.js';
import { createPostgresRequestStores } from '../../src/db/request-stores.js';
import { findRequest } from '../../src/db/requests-repository.js';
import type { Catalog } from '../../src/domain/catalog.js';
import { newGrantId, newRequestId } from '../../src/domain/request-id.js';
import { applyGrant } from '../../src/workflow/apply-grant.js';
import { cancelRequest } from '../../src/workflow/cancel-request.js';
import { decideRequest } from '../../src/workflow/decide-request.js';
import type { RequestWorkflowDeps } from '../../src/workflow/deps.js';
import { JOB_KINDS } from '../../src/workflow/job-kinds.js';
import { type PrepareDeps, prepareRequest } from '../../src/workflow/prepare-request.js';
import { type SubmitCommand, type SubmitOutcome, submitRequest } from '../../src/workflow/submit-request.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { MemoryProvider } from '../support/memory-provider.js';
import { PEOPLE, TEST_CATALOG_DATA, testMembers } from '../support/test-catalog.js';

let database: TestDatabase;
const provider = new MemoryProvider();
let sequence = 0;

function catalogWith(settings: Record<string, unknown> = {}): Catalog {
  const data = { ...TEST_CATALOG_DATA, settings: { ...TEST_CATALOG_DATA.settings, ...settings } };
  return parseCatalog(stringify(data), 'test-catalog.yaml', {});
}

function depsFor(pool: pg.Pool, catalog: Catalog): PrepareDeps & RequestWorkflowDeps {
  return {
    pool,
    stores: createPostgresRequestStores(pool),
    catalog,
    providers: { 'aws-iam-group': provider },
    members: testMembers,
    newGrantId,
    newRequestId,
    random: () => 0,
    people: {
      lookup: async (userId) => ({ userId, email: `${userId.toLowerCase()}@example.com`, inactive: false }),
    },
  };
}

let deps: ReturnType<typeof depsFor>;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  deps = depsFor(database.pool, catalogWith());
});
afterAll(() => database.drop());

function person(): string {
  sequence += 1;
  return `UABUSE${sequence}`;
}

function ask(requesterId: string, targetId: string, overrides: Partial<SubmitCommand> = {}, with_ = deps) {
  return submitRequest(with_, {
    requesterId,
    targetId,
    duration: '1h',
    justification: 'rotating the prod database keys',
    ...overrides,
  });
}

function created(outcome: SubmitOutcome): string {
  if (outcome.type !== 'submitted' && outcome.type !== 'approved')
    throw new Error(`refused: ${outcome.type}`);
  return outcome.request.id;
}

/** Runs an approved request's jobs as the worker would: find the account, then apply the access. */
async function grantNow(requestId: string) {
  expect(await prepareRequest(deps, requestId, 1)).toEqual({ status: 'done' });
  expect(await applyGrant(deps, requestId, 1)).toEqual({ status: 'done' });
  return grantOf(requestId);
}

async function grantOf(requestId: string) {
  const { rows } = await database.pool.query(
    'SELECT g.* FROM grants g JOIN requests r ON r.grant_id = g.id WHERE r.id = $1',
    [requestId],
  );
  return rows[0];
}

async function refusals(requesterId: string) {
  const { rows } = await database.pool.query(
    "SELECT actor, outcome, target_id, details FROM audit_events WHERE action = 'request.refused' AND actor = $1 ORDER BY id",
    [requesterId],
  );
  return rows;
}

describe('a request nobody approves, while the same access is held', () => {
  it('auto-approval: refused at submit, in words and audited; the grant keeps its expiry', async () => {
    const requester = person();
    const first = created(await ask(requester, 'prod-readonly', { duration: '5m' }));
    const grant = await grantNow(first);
    expect(grant.status).toBe('active');

    const second = await ask(requester, 'prod-readonly', { duration: '10m' });
    expect(second).toMatchObject({
      type: 'has-access',
      grantId: grant.id,
      until: grant.expires_at,
      extendable: true,
    });
    expect((await grantOf(first)).expires_at).toEqual(grant.expires_at);
    expect(await refusals(requester)).toEqual([
      {
        actor: requester,
        outcome: 'refused',
        target_id: 'prod-readonly',
        details: { reason: 'has-access', until: grant.expires_at.toISOString(), extendable: true },
      },
    ]);
    const { rows } = await database.pool.query(
      'SELECT count(*)::int AS n FROM requests WHERE requester_id = $1',
      [requester],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('asked with Extend: goes to the approvers instead, and their approval moves the expiry', async () => {
    const requester = person();
    const grant = await grantNow(created(await ask(requester, 'prod-readonly', { duration: '5m' })));
    const extension = await ask(requester, 'prod-readonly', { duration: '2h', extension: true });
    expect(extension).toMatchObject({
      type: 'submitted',
      request: { status: 'pending', approvalsRequired: 1, breakglass: false },
    });
    const id = created(extension);
    expect(await prepareRequest(deps, id, 1)).toEqual({ status: 'done' });
    await decideRequest(deps, { requestId: id, actorId: PEOPLE.approver1, decision: 'approve' });
    expect(await applyGrant(deps, id, 1)).toEqual({ status: 'done' });
    const joined = await grantOf(id);
    expect(joined.id).toBe(grant.id);
    expect(joined.expires_at.getTime()).toBeGreaterThan(grant.expires_at.getTime() + 100 * 60_000);
  });

  it('breakglass: refused at submit; with no approvers, Extend cannot help and is not offered', async () => {
    const requester = person();
    const grant = await grantNow(created(await ask(requester, 'prod-breakglass', { duration: '30m' })));
    expect(await ask(requester, 'prod-breakglass', { duration: '1h' })).toMatchObject({
      type: 'has-access',
      grantId: grant.id,
      extendable: false,
    });
    expect(await ask(requester, 'prod-breakglass', { duration: '1h', extension: true })).toMatchObject({
      type: 'has-access',
      extendable: false,
    });
  });

  it('two in flight at once: the second is refused where it would join, and the grant keeps its expiry', async () => {
    const requester = person();
    // Both pass the submit check: neither has a grant yet.
    const first = created(await ask(requester, 'prod-readonly', { duration: '5m' }));
    const second = created(await ask(requester, 'prod-readonly', { duration: '2h' }));
    const grant = await grantNow(first);
    expect(await prepareRequest(deps, second, 1)).toEqual({ status: 'done' });
    expect(await applyGrant(deps, second, 1)).toEqual({ status: 'done' });

    expect(await findRequest(database.pool, second)).toMatchObject({
      status: 'failed',
      grantId: null,
      decisionReason: expect.stringMatching(
        /^you already have this access until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; ask for more time with Extend, which needs an approver$/,
      ),
    });
    const { rows: grants } = await database.pool.query('SELECT expires_at FROM grants WHERE id = $1', [
      grant.id,
    ]);
    expect(grants[0]?.expires_at).toEqual(grant.expires_at);
    const { rows: audit } = await database.pool.query(
      "SELECT outcome, grant_id FROM audit_events WHERE request_id = $1 AND action = 'grant.join-refused'",
      [second],
    );
    expect(audit).toEqual([{ outcome: 'refused', grant_id: grant.id }]);
    // The requester is told (the request changed); the admins and approvers get nothing new.
    const { rows: jobs } = await database.pool.query(
      "SELECT kind FROM jobs WHERE payload->>'requestId' = $1 AND kind = ANY($2)",
      [second, [JOB_KINDS.adminAlert, JOB_KINDS.requestChanged]],
    );
    expect(jobs.map((job) => job.kind)).toEqual([JOB_KINDS.requestChanged]);
  });

  it('a breakglass request in flight beside another: also refused where it would join', async () => {
    const requester = person();
    const first = created(await ask(requester, 'prod-breakglass', { duration: '30m' }));
    const second = created(await ask(requester, 'prod-breakglass', { duration: '2h' }));
    const grant = await grantNow(first);
    await prepareRequest(deps, second, 1);
    await applyGrant(deps, second, 1);
    expect(await findRequest(database.pool, second)).toMatchObject({ status: 'failed' });
    const { rows } = await database.pool.query('SELECT expires_at FROM grants WHERE id = $1', [grant.id]);
    expect(rows[0]?.expires_at).toEqual(grant.expires_at);
  });
});

describe('per-requester limits', () => {
  it('cancelled requests count toward the rate limit; the 11th is refused with when to try again', async () => {
    const requester = person();
    for (let round = 0; round < 10; round += 1) {
      const id = created(await ask(requester, 'prod-admin'));
      expect(await cancelRequest(deps, id, requester)).toMatchObject({ type: 'cancelled' });
    }
    const { rows } = await database.pool.query<{ first: Date }>(
      'SELECT min(created_at) AS first FROM requests WHERE requester_id = $1',
      [requester],
    );
    const eleventh = await ask(requester, 'prod-admin');
    expect(eleventh).toMatchObject({
      type: 'rate-limited',
      requests: 10,
      perSeconds: 600,
      retryAt: new Date(Number(rows[0]?.first.getTime()) + 600_000),
    });
    expect((await refusals(requester)).map((row) => row.details.reason)).toEqual(['rate-limited']);
    // Someone else is not held back by this person's limit.
    expect(created(await ask(person(), 'prod-admin'))).toMatch(/^REQ-/);
  });

  it('at most maxPendingRequests wait at once; cancelling one makes room', async () => {
    const requester = person();
    const limited = depsFor(database.pool, catalogWith({ maxPendingRequests: 2 }));
    const first = created(await ask(requester, 'prod-admin', {}, limited));
    created(await ask(requester, 'prod-two-person', {}, limited));
    expect(await ask(requester, 'prod-oncall', {}, limited)).toMatchObject({
      type: 'too-many-pending',
      max: 2,
      pendingIds: [first, expect.any(String)],
    });
    // Approved at once, so it waits for nobody: not held back by the pending limit.
    expect(await ask(requester, 'prod-readonly', {}, limited)).toMatchObject({ type: 'approved' });
    await cancelRequest(limited, first, requester);
    expect(await ask(requester, 'prod-oncall', {}, limited)).toMatchObject({ type: 'submitted' });
  });

  it('20 submits at once from one person, spread over two replicas, create exactly the limit', async () => {
    const requester = person();
    const catalog = catalogWith({ requestRateLimit: { requests: 10, per: '10m' }, maxPendingRequests: 50 });
    const replica = new pg.Pool({ ...database.config, max: 10 });
    try {
      const pools = [depsFor(database.pool, catalog), depsFor(replica, catalog)];
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          ask(requester, 'prod-readonly', { duration: '30m' }, pools[index % 2]),
        ),
      );
      const types = outcomes.map((outcome) => outcome.type);
      expect(types.filter((type) => type === 'approved')).toHaveLength(10);
      expect(types.filter((type) => type === 'rate-limited')).toHaveLength(10);
      const { rows } = await database.pool.query(
        'SELECT count(*)::int AS n FROM requests WHERE requester_id = $1',
        [requester],
      );
      expect(rows[0]?.n).toBe(10);
    } finally {
      await replica.end();
    }
  });
});
