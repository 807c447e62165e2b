import { describe, expect, it } from 'vitest';
import { approvalMessage } from '../../src/slack/blocks/approval-message.js';
import {
  accessNotice,
  adminAlert,
  expiryWarning,
  revokedNotice,
} from '../../src/slack/blocks/grant-messages.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { formatTime } from '../../src/slack/mrkdwn.js';
import { APPROVER, buildGrant, buildRequestView, EXPIRES_AT, GRANT_ID, REQUESTER } from './builders.js';

const approved = { status: 'approved', approvedVia: 'approvers', decidedBy: APPROVER } as const;
const view = buildRequestView({ request: approved, approvedBy: [APPROVER] });
const buttonsOf = (blocks: unknown) =>
  JSON.stringify(blocks).match(/"action_id":"[^"]+","value":"[^"]+"/g) ?? [];

describe('the access notice', () => {
  it('says what, where and until when, with a Revoke now button for the grant', () => {
    const notice = accessNotice(view, buildGrant(), 'granted');
    expect(JSON.stringify(notice.blocks)).toContain(
      `You now have *Production admin* (Production (111111111111)) until *${formatTime(EXPIRES_AT)}*`,
    );
    expect(JSON.stringify(notice.blocks)).toContain('take a minute or two to take effect');
    expect(buttonsOf(notice.blocks)).toEqual([`"action_id":"${ACTIONS.revokeNow}","value":"${GRANT_ID}"`]);
    expect(notice.text).toBe('Access to Production admin until Sat 1 Mar 2025 16:05 UTC');
  });

  it('for access the person already had: says jitbot changed nothing, and offers no Revoke now', () => {
    const notice = accessNotice(view, buildGrant({ preExisting: true }), 'pre-existing');
    expect(JSON.stringify(notice.blocks)).toContain('You already had');
    expect(JSON.stringify(notice.blocks)).toContain('will leave it in place');
    expect(buttonsOf(notice.blocks)).toEqual([]);
  });

  it('after the access ended, loses its button', () => {
    const notice = accessNotice(view, buildGrant({ status: 'revoked', revokedAt: EXPIRES_AT }), 'granted');
    expect(buttonsOf(notice.blocks)).toEqual([]);
  });
});

describe('the expiry warning', () => {
  it('says when, and offers Extend (the same target) and Revoke now (this grant)', () => {
    const now = new Date(EXPIRES_AT.getTime() - 15 * 60_000);
    const warning = expiryWarning(view, buildGrant(), now);
    expect(JSON.stringify(warning.blocks)).toContain('(in about 15m)');
    expect(buttonsOf(warning.blocks)).toEqual([
      `"action_id":"${ACTIONS.extend}","value":"prod-admin"`,
      `"action_id":"${ACTIONS.revokeNow}","value":"${GRANT_ID}"`,
    ]);
  });

  it('once the access ended, says who ended it and has no buttons', () => {
    const ended = buildGrant({ status: 'revoked', revokedAt: EXPIRES_AT, revokedBy: REQUESTER });
    const warning = expiryWarning(view, ended);
    expect(warning.blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:lock: Your access to *Production admin* (Production (111111111111)) has ended (ended early by <@${REQUESTER}>).`,
        },
      },
    ]);
  });
});

describe('the revoked notice', () => {
  it('says the access ended at expiry', () => {
    const notice = revokedNotice(
      view,
      buildGrant({ status: 'revoked', revokedAt: EXPIRES_AT, revokedBy: 'jitbot' }),
    );
    expect(JSON.stringify(notice.blocks)).toContain('has ended (expired)');
  });

  it('for pre-existing access, says the person keeps it', () => {
    const notice = revokedNotice(
      view,
      buildGrant({ status: 'revoked', preExisting: true, revokedAt: EXPIRES_AT }),
    );
    expect(JSON.stringify(notice.blocks)).toContain('You keep the access you had before');
  });
});

describe('admin alerts', () => {
  it('name the target and the person, quote the error escaped, and say what to do', () => {
    const alert = adminAlert(view, 'revoke-failing', 'AccessDenied <!channel> on jit-admin');
    const text = JSON.stringify(alert.blocks);
    expect(text).toContain('A revocation keeps failing');
    expect(text).toContain(`<@${REQUESTER}>`);
    expect(text).toContain('AccessDenied &lt;!channel&gt; on jit-admin');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('take the access away by hand');
  });
});

describe('approval messages show where the access stands', () => {
  it.each([
    [buildGrant({ status: 'pending' }), ':gear: Access is being set up'],
    [buildGrant(), `:unlock: Access active until ${formatTime(EXPIRES_AT)}`],
    [buildGrant({ preExisting: true }), ':information_source: Already had this access outside jitbot'],
    [buildGrant({ status: 'revoking' }), ':lock: Access is being removed'],
    [
      buildGrant({ status: 'revoked', revokedAt: EXPIRES_AT, revokedBy: APPROVER }),
      `:lock: Access ended ${formatTime(EXPIRES_AT)} (ended early by <@${APPROVER}>)`,
    ],
  ])('grant %#', (grant, line) => {
    const message = approvalMessage(buildRequestView({ request: approved, approvedBy: [APPROVER], grant }));
    const texts = message.blocks.flatMap((block) =>
      block.type === 'section' && block.text ? [block.text.text] : [],
    );
    const outcome = texts.find((text) => text.startsWith(':white_check_mark: Approved by'));
    expect(outcome?.split('\n')).toEqual([
      `:white_check_mark: Approved by <@${APPROVER}>`,
      expect.stringContaining(line),
    ]);
    expect(outcome?.split('\n')[1]?.startsWith(line)).toBe(true);
  });
});

describe('an extension request', () => {
  it('tells approvers the person already has the access, and until when', () => {
    const pending = buildRequestView({ hasAccessUntil: EXPIRES_AT });
    expect(JSON.stringify(approvalMessage(pending).blocks)).toContain(
      `Already has this access until ${formatTime(EXPIRES_AT)}: approving extends it.`,
    );
    expect(JSON.stringify(approvalMessage(buildRequestView()).blocks)).not.toContain(
      'Already has this access',
    );
  });
});
