import { describe, expect, it } from 'vitest';
import type { HomeGrantRow } from '../../src/db/home-repository.js';
import { approvalMessage } from '../../src/slack/blocks/approval-message.js';
import { accessNotice, expiryWarning, revokedNotice } from '../../src/slack/blocks/grant-messages.js';
import { type HomeInput, homeView } from '../../src/slack/blocks/home-view.js';
import { decisionNotice, requestReceipt } from '../../src/slack/blocks/requester-messages.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { buildGrant, buildRequestView, buildTarget, EXPIRES_AT, REQUESTER } from './builders.js';

const target = buildTarget();

function grantRow(index: number, overrides: Partial<HomeGrantRow> = {}): HomeGrantRow {
  return {
    id: `GNT-${String(index).padStart(8, '0')}`,
    requestId: `REQ-${String(index).padStart(8, '0')}`,
    targetId: target.id,
    requesterId: REQUESTER,
    status: 'active',
    expiresAt: EXPIRES_AT,
    preExisting: false,
    principal: 'IAM user alice in Production (111111111111)',
    ...overrides,
  };
}

function input(overrides: Partial<HomeInput> = {}): HomeInput {
  return {
    live: [],
    pending: [],
    ended: [],
    waiting: [],
    waitingTotal: 0,
    approver: false,
    target: (id) => (id === target.id ? target : undefined),
    ...overrides,
  };
}

const pendingView = (id: string) => buildRequestView({ request: { id, status: 'pending' } });
const textOf = (blocks: unknown) => JSON.stringify(blocks);

describe('homeView', () => {
  it('offers Request access first, and says when there is nothing to show', () => {
    const { type, blocks } = homeView(input());
    expect(type).toBe('home');
    expect(textOf(blocks[0])).toContain(ACTIONS.homeRequest);
    expect(textOf(blocks)).toContain('You hold no access through jitbot right now.');
    expect(textOf(blocks)).not.toContain('Waiting for you');
  });

  it('a live grant jitbot applied has Extend and Revoke now; pre-existing access has no Revoke now', () => {
    const applied = homeView(input({ live: [grantRow(1)] }));
    expect(textOf(applied.blocks)).toContain(`"action_id":"${ACTIONS.revokeNow}","value":"GNT-00000001"`);
    expect(textOf(applied.blocks)).toContain(`"action_id":"${ACTIONS.extend}","value":"${target.id}"`);
    const kept = homeView(input({ live: [grantRow(2, { preExisting: true })] }));
    expect(textOf(kept.blocks)).not.toContain(ACTIONS.revokeNow);
    expect(textOf(kept.blocks)).toContain('you had it before jitbot');
  });

  it('a grant being removed shows no buttons', () => {
    const { blocks } = homeView(input({ live: [grantRow(3, { status: 'revoking' })] }));
    expect(textOf(blocks)).toContain('being removed');
    expect(textOf(blocks)).not.toContain(ACTIONS.revokeNow);
  });

  it('an approver with nothing waiting is told so', () => {
    const { blocks } = homeView(input({ approver: true }));
    expect(textOf(blocks)).toContain('No request waits for your decision.');
  });

  it('stays within 100 blocks with long lists everywhere, and says how many more there are', () => {
    const many = Array.from({ length: 60 }, (_, index) => `REQ-${String(index).padStart(8, '0')}`);
    const { blocks } = homeView(
      input({
        live: many.map((_, index) => grantRow(index)),
        pending: many.slice(0, 30).map(pendingView),
        waiting: many.slice(0, 10).map(pendingView),
        waitingTotal: 60,
        approver: true,
        ended: many.slice(0, 10).map((id) => buildRequestView({ request: { id, status: 'denied' } })),
        admin: {
          live: many.slice(0, 30).map((_, index) => grantRow(index)),
          liveTotal: 400,
          stuck: many.slice(0, 12).map((_, index) => ({
            ...grantRow(index, { status: 'revoking' }),
            attempts: 7,
            lastError: 'AccessDenied '.repeat(200),
          })),
          unreviewed: many.slice(0, 10).map((id) => buildRequestView({ request: { id, breakglass: true } })),
          counts: { driftFindings: 3, failedJobs: 1, failedGrants: 2 },
        },
      }),
    );
    expect(blocks.length).toBeLessThanOrEqual(100);
    const text = textOf(blocks);
    expect(text).toContain('…and 52 more');
    expect(text).toContain('…and 56 more');
    expect(text).toContain('…and 375 more');
    expect(text).toContain('3 drift findings open');
    for (const block of blocks) {
      const section = block as { text?: { text: string } };
      if (section.text) expect(section.text.text.length).toBeLessThanOrEqual(3000);
    }
  });
});

describe('notification texts', () => {
  it('name times in words, never as ISO strings', () => {
    const approved = buildRequestView({ request: { status: 'approved', approvedVia: 'approvers' } });
    const texts = [
      approvalMessage(buildRequestView()).text,
      requestReceipt(buildRequestView()).text,
      decisionNotice(approved, 'approved').text,
      accessNotice(approved, buildGrant(), 'granted').text,
      expiryWarning(approved, buildGrant(), new Date(EXPIRES_AT.getTime() - 600_000)).text,
      revokedNotice(approved, buildGrant({ status: 'revoked', revokedAt: EXPIRES_AT })).text,
    ];
    for (const text of texts) expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    expect(accessNotice(approved, buildGrant(), 'granted').text).toContain('Sat 1 Mar 2025 16:05 UTC');
  });
});
