/**
 * The in-memory request stores keep the guarded writes the use cases rely on. Each rule runs on
 * the PostgreSQL adapter too, so a rule the fake gets wrong shows up as a difference between them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRequestStores } from '../../src/ports/memory-request-stores.js';
import type { NewRequest, RequestStores } from '../../src/ports/request-stores.js';
import { REQUEST_STORE_BACKENDS, type RequestStoreBackend } from '../support/request-store-backends.js';

let sequence = 0;

function newRequest(overrides: Partial<NewRequest> = {}): NewRequest {
  sequence += 1;
  return {
    id: `req-${sequence}`,
    targetId: 'prod-admin',
    requesterId: `UPORT${sequence}`,
    principal: null,
    durationSeconds: 3600,
    justification: 'checking the store rules',
    ticket: null,
    approvalsRequired: 1,
    breakglass: false,
    decideBy: new Date(Date.now() + 3_600_000),
    remindAt: new Date(Date.now() + 1_800_000),
    ...overrides,
  };
}

describe.each(REQUEST_STORE_BACKENDS)('the $name request stores', ({ open }) => {
  let backend: RequestStoreBackend;
  let stores: RequestStores;

  beforeAll(async () => {
    backend = await open();
    stores = backend.stores;
  });
  afterAll(() => backend.close());

  async function inserted(overrides: Partial<NewRequest> = {}) {
    const request = await stores.requests.insert(newRequest(overrides));
    if (!request) throw new Error('not inserted');
    return request;
  }

  it('a status change from a state the request has left changes nothing', async () => {
    const request = await inserted();
    const cancel = { id: request.id, from: 'pending', to: 'cancelled', actor: request.requesterId } as const;
    expect(await stores.requests.changeStatus(cancel)).toMatchObject({ status: 'cancelled' });
    expect(await stores.requests.changeStatus(cancel)).toBeUndefined();
    const approve = { id: request.id, from: 'pending', to: 'approved', actor: 'UAPPROVER' } as const;
    expect(await stores.requests.changeStatus(approve)).toBeUndefined();
    expect(await stores.requests.find(request.id)).toMatchObject({
      status: 'cancelled',
      decidedBy: request.requesterId,
    });
  });

  it('refuses a second pending request of one person for one target, and takes one once the first ended', async () => {
    const first = await inserted();
    const again = { requesterId: first.requesterId, targetId: first.targetId };
    expect(await stores.requests.insert(newRequest(again))).toBeUndefined();
    expect(await stores.requests.insert(newRequest({ ...again, targetId: 'prod-readonly' }))).toBeDefined();
    await stores.requests.changeStatus({ id: first.id, from: 'pending', to: 'denied', actor: 'UAPPROVER' });
    expect(await stores.requests.insert(newRequest(again))).toMatchObject({ status: 'pending' });
  });

  it('records one decision per approver', async () => {
    const request = await inserted();
    expect(await stores.approvals.record(request.id, 'UAPPROVER', 'approve', null)).toBe(true);
    expect(await stores.approvals.record(request.id, 'UAPPROVER', 'deny', 'changed my mind')).toBe(false);
    expect(await stores.approvals.list(request.id)).toMatchObject([
      { approverId: 'UAPPROVER', decision: 'approve' },
    ]);
  });

  it('reviews a breakglass request once, and no other', async () => {
    const breakglass = await inserted({ breakglass: true });
    expect(await stores.requests.markReviewed(breakglass.id, 'UADMIN')).toMatchObject({
      reviewedBy: 'UADMIN',
    });
    expect(await stores.requests.markReviewed(breakglass.id, 'UADMIN2')).toBeUndefined();
    expect(await stores.requests.markReviewed((await inserted()).id, 'UADMIN')).toBeUndefined();
  });

  it('keeps the first principal found', async () => {
    const request = await inserted();
    await stores.requests.setPrincipal(request.id, 'alice', 'IAM user alice');
    expect(await stores.requests.setPrincipal(request.id, 'mallory', 'IAM user mallory')).toMatchObject({
      principal: 'alice',
      principalLabel: 'IAM user alice',
    });
  });

  it("reads a request's facts together exactly as the separate reads give them", async () => {
    expect(await stores.facts.read('req-none')).toBeUndefined();
    const earlier = await inserted();
    const same = { requesterId: earlier.requesterId, targetId: earlier.targetId };
    await stores.requests.changeStatus({
      id: earlier.id,
      from: 'pending',
      to: 'approved',
      actor: 'UAPPROVER',
    });
    const heldUntil = new Date(Math.floor(Date.now() / 1000) * 1000 + 1_800_000);
    await backend.grantFor(earlier.id, `GNT-F${sequence}`, heldUntil);
    // An extension: pending, approved by one of two so far, and the person holds the access already.
    const pending = await inserted({ ...same, approvalsRequired: 2 });
    await stores.approvals.record(pending.id, 'UAPPROVER', 'approve', null);
    await stores.approvals.record(pending.id, 'UAPPROVER2', 'deny', 'not this week');
    const read = await stores.facts.read(pending.id);
    expect(read).toEqual({
      request: await stores.requests.find(pending.id),
      approvals: await stores.approvals.list(pending.id),
      activeUntil: heldUntil,
    });
    expect(read?.approvals.map((one) => [one.approverId, one.decision, one.reason])).toEqual([
      ['UAPPROVER', 'approve', null],
      ['UAPPROVER2', 'deny', 'not this week'],
    ]);
    // Decided, with its grant: the grant is read, and what the person held before no longer is.
    expect(await stores.facts.read(earlier.id)).toEqual({
      request: await stores.requests.find(earlier.id),
      approvals: [],
      grant: await stores.grants.find(`GNT-F${sequence - 1}`),
    });
  });

  it('holds one open job per dedupe key', async () => {
    const job = { kind: 'grant.apply', payload: { requestId: 'req-x' }, dedupeKey: `grant:${sequence}` };
    expect(await stores.outbox.enqueue(job)).toEqual(expect.any(String));
    expect(await stores.outbox.enqueue(job)).toBeUndefined();
  });

  it('hands a due reminder out once, and only once the principal is known', async () => {
    const request = await inserted();
    await backend.makeDue(request.id, 'reminder');
    const claimed = async () => (await stores.requests.claimDueReminders(50)).map((one) => one.id);
    expect(await claimed()).not.toContain(request.id);
    await stores.requests.setPrincipal(request.id, 'alice', null);
    expect(await claimed()).toContain(request.id);
    expect(await claimed()).not.toContain(request.id);
  });

  it('claims an overdue request while it is pending', async () => {
    const request = await inserted();
    await backend.makeDue(request.id, 'deadline');
    const overdue = async () => (await stores.requests.claimOverdue(50)).map((one) => one.id);
    expect(await overdue()).toContain(request.id);
    await stores.requests.changeStatus({ id: request.id, from: 'pending', to: 'expired', actor: 'jitbot' });
    expect(await overdue()).not.toContain(request.id);
  });

  it('a transaction that throws leaves nothing behind', async () => {
    const request = newRequest();
    const failing = stores.transaction(async (tx) => {
      await tx.requests.insert(request);
      await tx.audit.append({
        actor: request.requesterId,
        action: 'request.submitted',
        outcome: 'ok',
        requestId: request.id,
      });
      throw new Error('the work failed');
    });
    await expect(failing).rejects.toThrow('the work failed');
    expect(await stores.requests.find(request.id)).toBeUndefined();
    expect(await backend.auditOf(request.id)).toEqual([]);
  });
});

describe('the in-memory request stores', () => {
  it('run transactions one at a time, as a row lock would queue them', async () => {
    const stores = createMemoryRequestStores();
    const steps: string[] = [];
    const step = (name: string) => async () => {
      steps.push(`${name} starts`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      steps.push(`${name} ends`);
    };
    await Promise.all([stores.transaction(step('first')), stores.transaction(step('second'))]);
    expect(steps).toEqual(['first starts', 'first ends', 'second starts', 'second ends']);
  });

  it('return copies: what a caller holds does not change with the table', async () => {
    const stores = createMemoryRequestStores();
    const request = await stores.requests.insert(newRequest());
    if (!request) throw new Error('not inserted');
    await stores.requests.changeStatus({ id: request.id, from: 'pending', to: 'cancelled', actor: null });
    expect(request.status).toBe('pending');
  });
});
