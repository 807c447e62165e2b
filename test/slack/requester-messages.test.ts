import { describe, expect, it } from 'vitest';
import {
  decisionNotice,
  duplicateRequestNotice,
  requestReceipt,
} from '../../src/slack/blocks/requester-messages.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { APPROVER, APPROVER_GROUP, buildRequest, buildRequestView, REQUEST_ID } from './builders.js';

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const YOURS = 'Your request `REQ-7K3M9QX2` for *Production admin* (2h)';
const FOOTER = {
  type: 'context',
  elements: [
    mrkdwn(
      'Request `REQ-7K3M9QX2` · asked <!date^1740837600^{date_short_pretty} {time}|Sat 1 Mar 2025 14:00 UTC>',
    ),
  ],
};

describe('requestReceipt', () => {
  it('names the approvers and offers Cancel while the request is pending', () => {
    const view = buildRequestView({
      request: { approvalsRequired: 2 },
      target: { approverGroups: [APPROVER_GROUP] },
    });
    expect(requestReceipt(view)).toEqual({
      text: 'Your request REQ-7K3M9QX2 for Production admin (2h): waiting for approval',
      blocks: [
        {
          type: 'section',
          text: mrkdwn(
            `${YOURS} is waiting for approval from <@${APPROVER}>, <!subteam^${APPROVER_GROUP}>; 2 approvals needed.`,
          ),
        },
        { type: 'context', elements: [mrkdwn('0 of 2 approvals')] },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Cancel request', emoji: true },
              action_id: ACTIONS.cancel,
              value: REQUEST_ID,
            },
          ],
        },
        FOOTER,
      ],
    });
  });

  it('drops the Cancel button and shows the outcome once decided', () => {
    const view = buildRequestView({
      request: { status: 'denied', decidedBy: APPROVER, decisionReason: 'Not today' },
    });
    expect(requestReceipt(view)).toEqual({
      text: 'Your request REQ-7K3M9QX2 for Production admin (2h): denied',
      blocks: [
        { type: 'section', text: mrkdwn(`${YOURS}\n:no_entry: Denied by <@${APPROVER}>: Not today`) },
        FOOTER,
      ],
    });
  });

  it('leaves out "from" when the target lists no approvers', () => {
    const view = buildRequestView({ target: { approverUsers: [] } });
    expect(requestReceipt(view).blocks[0]).toEqual({
      type: 'section',
      text: mrkdwn(`${YOURS} is waiting for approval; 1 approval needed.`),
    });
  });
});

describe('decisionNotice', () => {
  it.each([
    ['approved', {}, `:white_check_mark: ${YOURS} was approved. Your access is being set up now.`],
    [
      'denied',
      { decidedBy: APPROVER, decisionReason: 'Use staging\nfor this' },
      `:no_entry: ${YOURS} was denied by <@${APPROVER}>.\n>Use staging\n>for this`,
    ],
    [
      'expired',
      {},
      `:hourglass: ${YOURS} expired: nobody decided in time. You can ask again with \`/request-aws-access\`.`,
    ],
    ['cancelled', {}, `:heavy_minus_sign: ${YOURS} was cancelled.`],
    [
      'failed',
      { approvedVia: 'approvers', decisionReason: 'IAM said AccessDenied' },
      `:warning: ${YOURS} was approved, but setting up your access failed. Ask your jitbot admins for help.\n>IAM said AccessDenied`,
    ],
  ] as const)('tells the requester their request was %s', (outcome, request, line) => {
    const notice = decisionNotice(buildRequestView({ request }), outcome);
    expect(notice.blocks).toEqual([{ type: 'section', text: mrkdwn(line) }]);
    expect(notice.text).toMatch(/^Your request REQ-7K3M9QX2 for Production admin \(2h\): /);
  });

  it('says plainly when a request could not even be sent for approval (no account found)', () => {
    const view = buildRequestView({
      request: { status: 'failed', decisionReason: 'there is no IAM user alice' },
    });
    expect(decisionNotice(view, 'failed').blocks).toEqual([
      {
        type: 'section',
        text: mrkdwn(`:warning: ${YOURS} could not be sent for approval.\n>there is no IAM user alice`),
      },
    ]);
  });

  it('names the approvers of an approved request', () => {
    const notice = decisionNotice(buildRequestView({ approvedBy: [APPROVER] }), 'approved');
    expect(notice.blocks).toEqual([
      {
        type: 'section',
        text: mrkdwn(
          `:white_check_mark: ${YOURS} was approved by <@${APPROVER}>. Your access is being set up now.`,
        ),
      },
    ]);
  });

  it('says denied without a name when nobody is recorded as deciding', () => {
    const notice = decisionNotice(buildRequestView(), 'denied');
    expect(notice.blocks).toEqual([{ type: 'section', text: mrkdwn(`:no_entry: ${YOURS} was denied.`) }]);
  });
});

describe('duplicateRequestNotice', () => {
  it('points to the pending request and how to cancel it', () => {
    expect(duplicateRequestNotice(buildRequest(), 'Production admin')).toEqual({
      text: 'You already have a pending request REQ-7K3M9QX2',
      blocks: [
        {
          type: 'section',
          text: mrkdwn(
            'You already have a pending request `REQ-7K3M9QX2` for *Production admin*.\n' +
              'Wait for a decision, or cancel it with `/request-aws-access cancel REQ-7K3M9QX2`.',
          ),
        },
      ],
    });
  });
});
