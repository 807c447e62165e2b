import { describe, expect, it } from 'vitest';
import { breakglassNotice } from '../../src/slack/blocks/breakglass-notice.js';
import { denyReasonModal } from '../../src/slack/blocks/deny-modal.js';
import { ACTIONS, BLOCKS, VIEWS } from '../../src/slack/ids.js';
import { APPROVER, buildRequestView, REQUEST_ID, REQUESTER } from './builders.js';

const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });

describe('denyReasonModal', () => {
  it('carries the request id in private_metadata and asks for a required reason', () => {
    expect(
      denyReasonModal({ requestId: REQUEST_ID, requesterId: REQUESTER, targetName: 'Production admin' }),
    ).toEqual({
      type: 'modal',
      callback_id: VIEWS.denyReason,
      private_metadata: REQUEST_ID,
      title: plain('Deny request'),
      submit: plain('Deny'),
      close: plain('Cancel'),
      blocks: [
        {
          type: 'section',
          text: mrkdwn(
            `<@${REQUESTER}> asked for *Production admin* (\`${REQUEST_ID}\`).\nThey will see your reason.`,
          ),
        },
        {
          type: 'input',
          block_id: BLOCKS.denyReason,
          label: plain('Reason'),
          element: {
            type: 'plain_text_input',
            action_id: ACTIONS.denyReason,
            multiline: true,
            max_length: 500,
            placeholder: plain('e.g. Use the read-only role for this'),
          },
        },
      ],
    });
  });
});

describe('breakglassNotice', () => {
  const view = buildRequestView({ request: { status: 'approved', breakglass: true } });
  const header = { type: 'header', text: plain(':rotating_light: Breakglass access') };
  const who = {
    type: 'section',
    text: mrkdwn(
      `<@${REQUESTER}> used breakglass for *Production admin* (Production (111111111111)) for *2h*, without approval.`,
    ),
  };
  const justification = {
    type: 'section',
    text: mrkdwn('*Justification*\n>Investigating INC-1234: checkout errors'),
  };
  const footer = {
    type: 'context',
    elements: [
      mrkdwn(
        'Request `REQ-7K3M9QX2` · asked <!date^1740837600^{date_short_pretty} {time}|Sat 1 Mar 2025 14:00 UTC>',
      ),
    ],
  };

  it('is loud and keeps a Reviewed button until someone reviews it', () => {
    expect(breakglassNotice(view)).toEqual({
      text: `:rotating_light: Breakglass: <@${REQUESTER}> used breakglass for Production admin for 2h`,
      blocks: [
        header,
        who,
        justification,
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: plain('Reviewed'),
              action_id: ACTIONS.breakglassReviewed,
              value: REQUEST_ID,
            },
          ],
        },
        footer,
      ],
    });
  });

  it('replaces the button with who reviewed it', () => {
    const notice = breakglassNotice(view, APPROVER);
    expect(notice.blocks).toEqual([
      header,
      who,
      justification,
      { type: 'section', text: mrkdwn(`:white_check_mark: Reviewed by <@${APPROVER}>`) },
      footer,
    ]);
  });

  it('says so when the grant failed', () => {
    const failed = buildRequestView({
      request: {
        status: 'failed',
        breakglass: true,
        approvedVia: 'breakglass',
        decisionReason: 'IAM said AccessDenied',
      },
    });
    expect(breakglassNotice(failed).blocks).toContainEqual({
      type: 'section',
      text: mrkdwn(':warning: Approved, but the grant failed: IAM said AccessDenied'),
    });
  });

  it('tells the admins exactly what was granted', () => {
    const withAccess = buildRequestView({
      request: { breakglass: true, approvedVia: 'breakglass' },
      target: { access: 'IAM group jit-admin in Production (111111111111)' },
    });
    expect(breakglassNotice(withAccess).blocks).toContainEqual({
      type: 'context',
      elements: [mrkdwn('Grants IAM group jit-admin in Production (111111111111)')],
    });
  });
});
