import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRequestId } from '../../src/domain/request-id.js';
import { createReminderSource, createRequestTimeoutSource } from '../../src/jobs/due-sources.js';
import { cancelRequest } from '../../src/workflow/cancel-request.js';
import { decideRequest } from '../../src/workflow/decide-request.js';
import type { RequestWorkflowDeps } from '../../src/workflow/deps.js';
import { JOB_KINDS } from '../../src/workflow/job-kinds.js';
import { type SubmitCommand, submitRequest } from '../../src/workflow/submit-request.js';
import { MemoryProvider } from '../support/memory-provider.js';
import { REQUEST_STORE_BACKENDS, type RequestStoreBackend } from '../support/request-store-backends.js';
import { PEOPLE, testCatalog, testMembers } from '../support/test-catalog.js';

let requesterSequence = 0;

/** Each test gets its own requester so the one-pending-request rule never couples tests. */
function freshRequester(): string {
  requesterSequence += 1;
  return `UREQ${requesterSequence}`;
}

// The same rules on PostgreSQL and on the in-memory stores: the fake keeps what the use cases rely on.
describe.each(REQUEST_STORE_BACKENDS)('on the $name stores', ({ open }) => {
  let backend: RequestStoreBackend;
  // No pool: the request use cases reach storage only through the stores.
  let deps: Omit<RequestWorkflowDeps, 'pool'>;

  beforeAll(async () => {
    backend = await open();
    deps = {
      stores: backend.stores,
      catalog: testCatalog(),
      members: testMembers,
      newRequestId,
      providers: { 'aws-iam-group': new MemoryProvider() },
    };
  });
  afterAll(async () => {
    await backend.close();
  });

  async function submit(overrides: Partial<SubmitCommand> = {}) {
    const outcome = await submitRequest(deps, {
      requesterId: PEOPLE.requester,
      targetId: 'prod-admin',
      duration: '2h',
      justification: 'rotating the prod database password',
      ...overrides,
    });
    if (outcome.type !== 'submitted' && outcome.type !== 'approved')
      throw new Error(`not submitted: ${outcome.type}`);
    return outcome.request;
  }

  const jobsFor = (requestId: string) => backend.jobsFor(requestId);
  const findRequest = (requestId: string) => deps.stores.requests.find(requestId);

  describe('submitting a request', () => {
    it('creates it pending, audits it and enqueues the notifications, all at once', async () => {
      const request = await submit({ requesterId: freshRequester() });
      expect(request).toMatchObject({ status: 'pending', durationSeconds: 7200, approvalsRequired: 1 });
      // Approvers are asked only once request.prepare has found the requester's account.
      expect(await jobsFor(request.id)).toEqual([JOB_KINDS.requestPrepare]);
      const audit = await backend.auditOf(request.id);
      expect(audit.map((event) => [event.action, event.outcome])).toEqual([['request.submitted', 'ok']]);
    });

    it('points a second request for the same target at the first one', async () => {
      const requesterId = freshRequester();
      const first = await submit({ requesterId });
      const second = await submitRequest(deps, {
        requesterId,
        targetId: 'prod-admin',
        duration: '1h',
        justification: 'again, for the same thing',
      });
      expect(second).toMatchObject({ type: 'duplicate', existing: { id: first.id } });
    });

    it('refuses an unknown target, a duration over the max, and someone outside the requesters', async () => {
      const base = {
        requesterId: freshRequester(),
        duration: '1h',
        justification: 'checking the logs of prod',
      };
      expect(await submitRequest(deps, { ...base, targetId: 'nope' })).toEqual({ type: 'unknown-target' });
      expect(await submitRequest(deps, { ...base, targetId: 'prod-admin', duration: '5h' })).toMatchObject({
        type: 'invalid',
        problems: { duration: '5h is longer than Production admin allows: at most 4h' },
      });
      expect(await submitRequest(deps, { ...base, targetId: 'prod-restricted' })).toMatchObject({
        type: 'not-allowed',
      });
      expect(
        await submitRequest(deps, { ...base, requesterId: PEOPLE.allowed, targetId: 'prod-restricted' }),
      ).toMatchObject({
        type: 'submitted',
      });
    });

    it('approves a breakglass target at once; the grant and admin notice follow the account check', async () => {
      const request = await submit({
        requesterId: freshRequester(),
        targetId: 'prod-breakglass',
        duration: '1h',
      });
      expect(request).toMatchObject({ status: 'approved', breakglass: true, approvedVia: 'breakglass' });
      expect(await jobsFor(request.id)).toEqual([JOB_KINDS.requestPrepare]);
      const actions = (await backend.auditOf(request.id)).map((event) => event.action);
      expect(actions).toEqual(['request.submitted', 'request.breakglass']);
    });

    it('auto-approves up to autoApprove.maxDuration, and asks approvers beyond it', async () => {
      const short = await submit({
        requesterId: freshRequester(),
        targetId: 'prod-readonly',
        duration: '2h',
      });
      expect(short).toMatchObject({ status: 'approved', approvedVia: 'auto', decidedBy: 'jitbot' });
      const long = await submit({ requesterId: freshRequester(), targetId: 'prod-readonly', duration: '3h' });
      expect(long).toMatchObject({ status: 'pending' });
    });
  });

  describe('deciding a request', () => {
    it('an approver approves: approved once, audited, grant job enqueued', async () => {
      const request = await submit({ requesterId: freshRequester() });
      const outcome = await decideRequest(deps, {
        requestId: request.id,
        actorId: PEOPLE.approver1,
        decision: 'approve',
      });
      expect(outcome).toMatchObject({
        type: 'approved',
        request: { status: 'approved', decidedBy: PEOPLE.approver1 },
      });
      expect(await jobsFor(request.id)).toContain(JOB_KINDS.grantApply);
    });

    it('an approver listed through a Slack group is judged on the membership read before the request is locked: Slack is not asked again under the lock', async () => {
      const request = await submit({
        requesterId: freshRequester(),
        targetId: 'prod-oncall',
        duration: '1h',
      });
      let asked = 0;
      // Answers once; a second question (as one made inside the transaction would be) fails.
      const members = async (group: string) => {
        asked += 1;
        if (asked > 1) throw new Error('Slack did not answer usergroups.users.list');
        return testMembers(group);
      };
      const outcome = await decideRequest(
        { ...deps, members },
        { requestId: request.id, actorId: PEOPLE.onCall, decision: 'approve' },
      );
      expect(outcome).toMatchObject({ type: 'approved', request: { decidedBy: PEOPLE.onCall } });
      expect(asked).toBe(1);
    });

    it('the requester cannot approve their own request, and the attempt is audited', async () => {
      const request = await submit({ requesterId: PEOPLE.requester, targetId: 'prod-admin' });
      const outcome = await decideRequest(deps, {
        requestId: request.id,
        actorId: PEOPLE.requester,
        decision: 'approve',
      });
      expect(outcome).toMatchObject({ type: 'refused', reason: 'own-request' });
      expect((await findRequest(request.id))?.status).toBe('pending');
      const refused = (await backend.auditOf(request.id)).filter((event) => event.outcome === 'refused');
      expect(refused).toMatchObject([
        { actor: PEOPLE.requester, action: 'request.approve', details: { reason: 'own-request' } },
      ]);
      await cancelRequest(deps, request.id, PEOPLE.requester);
    });

    it('with selfApproval the requester who is an approver may approve', async () => {
      const request = await submit({ requesterId: PEOPLE.requester, targetId: 'prod-self', duration: '1h' });
      const outcome = await decideRequest(deps, {
        requestId: request.id,
        actorId: PEOPLE.requester,
        decision: 'approve',
      });
      expect(outcome.type).toBe('approved');
    });

    it('someone who is not an approver is refused and changes nothing', async () => {
      const request = await submit({ requesterId: freshRequester() });
      const outcome = await decideRequest(deps, {
        requestId: request.id,
        actorId: PEOPLE.stranger,
        decision: 'deny',
        reason: 'no',
      });
      expect(outcome).toMatchObject({ type: 'refused', reason: 'not-an-approver' });
      expect((await findRequest(request.id))?.status).toBe('pending');
    });

    it('a member of an approver user group may approve', async () => {
      const request = await submit({ requesterId: freshRequester(), targetId: 'prod-oncall' });
      const outcome = await decideRequest(deps, {
        requestId: request.id,
        actorId: PEOPLE.onCall,
        decision: 'approve',
      });
      expect(outcome.type).toBe('approved');
    });

    it('two of three needs two distinct approvers; the same approver twice counts once', async () => {
      const request = await submit({ requesterId: freshRequester(), targetId: 'prod-two-person' });
      const decide = (actorId: string) =>
        decideRequest(deps, { requestId: request.id, actorId, decision: 'approve' });
      expect(await decide(PEOPLE.approver1)).toMatchObject({ type: 'approval-recorded', approvals: 1 });
      expect(await decide(PEOPLE.approver1)).toMatchObject({ type: 'refused', reason: 'already-voted' });
      expect(await decide(PEOPLE.approver2)).toMatchObject({ type: 'approved' });
      expect(await decide(PEOPLE.approver3)).toMatchObject({ type: 'already-decided' });
    });

    it('two approvals of a two-person request arriving at the same moment approve it', async () => {
      for (let round = 0; round < 5; round += 1) {
        const request = await submit({ requesterId: freshRequester(), targetId: 'prod-two-person' });
        const outcomes = await Promise.all(
          [PEOPLE.approver1, PEOPLE.approver2].map((actorId) =>
            decideRequest(deps, { requestId: request.id, actorId, decision: 'approve' }),
          ),
        );
        expect(outcomes.map((outcome) => outcome.type).sort()).toEqual(['approval-recorded', 'approved']);
        expect((await findRequest(request.id))?.status).toBe('approved');
      }
    });

    it('one denial ends a two-person request', async () => {
      const request = await submit({ requesterId: freshRequester(), targetId: 'prod-two-person' });
      await decideRequest(deps, { requestId: request.id, actorId: PEOPLE.approver1, decision: 'approve' });
      const denied = await decideRequest(deps, {
        requestId: request.id,
        actorId: PEOPLE.approver2,
        decision: 'deny',
        reason: 'use the read-only role',
      });
      expect(denied).toMatchObject({
        type: 'denied',
        request: { status: 'denied', decisionReason: 'use the read-only role' },
      });
    });

    it('approvers racing, double clicks and approve-versus-deny end in exactly one outcome', async () => {
      for (let round = 0; round < 5; round += 1) {
        const request = await submit({ requesterId: freshRequester() });
        const clicks = [PEOPLE.approver1, PEOPLE.approver1, PEOPLE.approver2, PEOPLE.approver2].map(
          (actorId, index) =>
            decideRequest(deps, {
              requestId: request.id,
              actorId,
              decision: index % 2 === 0 ? 'approve' : 'deny',
              reason: 'racing',
            }),
        );
        const outcomes = (await Promise.all(clicks)).map((outcome) => outcome.type);
        const decisive = outcomes.filter((type) => type === 'approved' || type === 'denied');
        expect(decisive).toHaveLength(1);
        const grants = (await jobsFor(request.id)).filter((kind) => kind === JOB_KINDS.grantApply);
        expect(grants).toHaveLength(decisive[0] === 'approved' ? 1 : 0);
        const decisions = (await backend.auditOf(request.id)).filter((event) =>
          ['request.approved', 'request.denied'].includes(event.action),
        );
        expect(decisions).toHaveLength(1);
      }
    });
  });

  describe('cancelling and expiring', () => {
    it('only the requester can cancel, and only while pending', async () => {
      const requesterId = freshRequester();
      const request = await submit({ requesterId });
      expect(await cancelRequest(deps, request.id, PEOPLE.approver1)).toMatchObject({ type: 'not-yours' });
      expect(await cancelRequest(deps, request.id, requesterId)).toMatchObject({ type: 'cancelled' });
      expect(await cancelRequest(deps, request.id, requesterId)).toMatchObject({ type: 'already-decided' });
    });

    it('a request nobody decides expires at its decide-by time, exactly once', async () => {
      const request = await submit({ requesterId: freshRequester() });
      await backend.makeDue(request.id, 'deadline');
      const source = createRequestTimeoutSource(deps.stores);
      expect(await source.runDue()).toBeGreaterThanOrEqual(1);
      expect(await source.runDue()).toBe(0);
      expect(await findRequest(request.id)).toMatchObject({
        status: 'expired',
        decidedBy: 'jitbot',
      });
      const late = await decideRequest(deps, {
        requestId: request.id,
        actorId: PEOPLE.approver1,
        decision: 'approve',
      });
      expect(late.type).toBe('already-decided');
    });
  });

  describe('the approval clock', () => {
    it('starts when the approvers are asked: time spent finding the principal is not theirs to lose', async () => {
      const request = await submit({ requesterId: freshRequester() });
      // Finding the requester's IAM user took until the submit-time deadline (AWS was down).
      await backend.makeDue(request.id, 'deadline');
      const asked = Date.now();
      const window = { decideBy: new Date(asked + 3600_000), remindAt: new Date(asked + 1800_000) };
      await deps.stores.requests.setPrincipal(request.id, 'alice', null, window);
      expect(await createRequestTimeoutSource(deps.stores).runDue()).toBe(0);
      expect(await findRequest(request.id)).toMatchObject({ status: 'pending', decideBy: window.decideBy });
      expect(Math.abs((await backend.reminderDelaySeconds(request.id)) - 1800)).toBeLessThan(5);
      // Only the first resolution starts it: a retried prepare does not give approvers more time.
      const later = { decideBy: new Date(asked + 7200_000), remindAt: new Date(asked + 3600_000) };
      await deps.stores.requests.setPrincipal(request.id, 'alice', null, later);
      expect(await findRequest(request.id)).toMatchObject({ decideBy: window.decideBy });
    });
  });

  describe('reminding approvers', () => {
    it('is due at approvalReminder, waits until approvers were asked, and happens once', async () => {
      const request = await submit({ requesterId: freshRequester() });
      const after = await backend.reminderDelaySeconds(request.id);
      // The test catalog's approvalTimeout is 1h: reminded halfway by default.
      expect(Math.abs(after - 1800)).toBeLessThan(5);
      await backend.makeDue(request.id, 'reminder');
      const source = createReminderSource(deps.stores);
      const remindersOf = async () =>
        (await jobsFor(request.id)).filter((kind) => kind === JOB_KINDS.approvalReminder).length;
      await source.runDue();
      // No approver has been asked until the requester's principal is known.
      expect(await remindersOf()).toBe(0);
      await deps.stores.requests.setPrincipal(request.id, 'alice', null);
      await source.runDue();
      await source.runDue();
      expect(await remindersOf()).toBe(1);
    });
  });
});
