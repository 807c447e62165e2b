import { describe, expect, it } from 'vitest';
import {
  type DecisionContext,
  mayDecide,
  mayRequest,
  mayReview,
  mayRevoke,
} from '../../src/domain/approval-rules.js';

const groups: Record<string, string[]> = { SONCALL: ['UGROUPMEMBER', 'UREQUESTER'] };
const members = async (group: string) => groups[group] ?? [];

function context(overrides: Partial<DecisionContext> = {}): DecisionContext {
  return {
    actorId: 'UAPPROVER',
    requesterId: 'UREQUESTER',
    approvers: { users: ['UAPPROVER', 'UREQUESTER'], userGroups: ['SONCALL'], required: 1 },
    selfApproval: false,
    votedBy: [],
    ...overrides,
  };
}

describe('who may decide', () => {
  it('a listed approver may decide', async () => {
    expect(await mayDecide(context(), members)).toBe('allowed');
  });

  it('a member of an approver user group may decide', async () => {
    expect(await mayDecide(context({ actorId: 'UGROUPMEMBER' }), members)).toBe('allowed');
  });

  it('someone neither listed nor in an approver group may not', async () => {
    expect(await mayDecide(context({ actorId: 'USTRANGER' }), members)).toBe('not-an-approver');
  });

  it('the requester may not decide their own request, even when they are an approver', async () => {
    expect(await mayDecide(context({ actorId: 'UREQUESTER' }), members)).toBe('own-request');
  });

  it('with selfApproval the requester may approve their own request if they are an approver', async () => {
    expect(await mayDecide(context({ actorId: 'UREQUESTER', selfApproval: true }), members)).toBe('allowed');
  });

  it('with selfApproval a requester who is not an approver still may not', async () => {
    const ctx = context({ actorId: 'UOUTSIDER', requesterId: 'UOUTSIDER', selfApproval: true });
    expect(await mayDecide(ctx, members)).toBe('not-an-approver');
  });

  it('an approver counts once: a second vote from the same person is refused', async () => {
    expect(await mayDecide(context({ votedBy: ['UAPPROVER'] }), members)).toBe('already-voted');
  });
});

describe('who may request', () => {
  it('anyone, when the target has no requesters restriction', async () => {
    expect(await mayRequest('UANYONE', undefined, members)).toBe(true);
  });

  it('only listed users or members of listed groups, when it has one', async () => {
    const restriction = { users: ['ULISTED'], userGroups: ['SONCALL'] };
    expect(await mayRequest('ULISTED', restriction, members)).toBe(true);
    expect(await mayRequest('UGROUPMEMBER', restriction, members)).toBe(true);
    expect(await mayRequest('UANYONE', restriction, members)).toBe(false);
  });
});

describe('who may end access early', () => {
  const context = {
    requesterId: 'UHOLDER',
    approvers: { users: ['UAPPROVER'], userGroups: ['SAPPROVERS'], required: 1 },
    admins: { users: ['UADMIN'], userGroups: ['SADMINS'] },
  };
  const groupMembers = async (group: string) =>
    group === 'SAPPROVERS' ? ['UGROUPAPPROVER'] : ['UGROUPADMIN'];

  it.each([
    ['the holder', 'UHOLDER', true],
    ['a listed approver', 'UAPPROVER', true],
    ['a member of an approver group', 'UGROUPAPPROVER', true],
    ['a listed admin', 'UADMIN', true],
    ['a member of an admin group', 'UGROUPADMIN', true],
    ['anyone else', 'USTRANGER', false],
  ])('%s: %s', async (_, userId, allowed) => {
    expect(await mayRevoke(userId, context, groupMembers)).toBe(allowed);
  });
});

describe('who may mark breakglass access reviewed', () => {
  const admins = { users: ['UADMIN'], userGroups: [] };
  const none = async () => [];

  it('never the person who used it', async () => {
    expect(
      await mayReview('UUSER', { requesterId: 'UUSER', admins: { users: [], userGroups: [] } }, none),
    ).toBe(false);
    expect(await mayReview('UADMIN', { requesterId: 'UADMIN', admins }, none)).toBe(false);
  });

  it('only the admins when the catalog names any', async () => {
    expect(await mayReview('UADMIN', { requesterId: 'UUSER', admins }, none)).toBe(true);
    expect(await mayReview('UOTHER', { requesterId: 'UUSER', admins }, none)).toBe(false);
  });

  it('anyone else in the admin channel when no admins are named', async () => {
    expect(
      await mayReview('UOTHER', { requesterId: 'UUSER', admins: { users: [], userGroups: [] } }, none),
    ).toBe(true);
  });
});
