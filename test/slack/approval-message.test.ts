import { describe, expect, it } from 'vitest';
import type { RequestStatus } from '../../src/domain/request.js';
import { approvalMessage } from '../../src/slack/blocks/approval-message.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { APPROVER, APPROVER_2, buildRequestView, DECIDED_AT, REQUEST_ID } from './builders.js';

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const HEADER = { type: 'header', text: { type: 'plain_text', text: 'Access request', emoji: true } };
const ASK = {
  type: 'section',
  text: mrkdwn('<@U0REQUESTER> asks for *Production admin* (Production (111111111111)) for *2h*'),
};
const JUSTIFICATION = {
  type: 'section',
  text: mrkdwn('*Justification*\n>Investigating INC-1234: checkout errors'),
};
const FOOTER = {
  type: 'context',
  elements: [
    mrkdwn(
      'Request `REQ-7K3M9QX2` · asked <!date^1740837600^{date_short_pretty} {time}|Sat 1 Mar 2025 14:00 UTC>',
    ),
  ],
};

describe('approvalMessage', () => {
  it('offers Approve and Deny, carrying the request id, while the request is pending', () => {
    expect(approvalMessage(buildRequestView())).toEqual({
      text: '<@U0REQUESTER> asks for Production admin for 2h',
      blocks: [
        HEADER,
        ASK,
        JUSTIFICATION,
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Approve', emoji: true },
              action_id: ACTIONS.approve,
              value: REQUEST_ID,
              style: 'primary',
            },
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Deny', emoji: true },
              action_id: ACTIONS.deny,
              value: REQUEST_ID,
              style: 'danger',
            },
          ],
        },
        FOOTER,
      ],
    });
  });

  const decided = { decidedAt: DECIDED_AT, decidedBy: APPROVER };
  it.each([
    {
      status: 'approved',
      view: buildRequestView({
        request: { status: 'approved', approvalsRequired: 2 },
        approvedBy: [APPROVER, APPROVER_2],
      }),
      line: ':white_check_mark: Approved by <@U0APPROVER1>, <@U0APPROVER2>',
    },
    {
      status: 'denied',
      view: buildRequestView({
        request: { ...decided, status: 'denied', decisionReason: 'Use the read-only role' },
      }),
      line: ':no_entry: Denied by <@U0APPROVER1>: Use the read-only role',
    },
    {
      status: 'cancelled',
      view: buildRequestView({ request: { status: 'cancelled', decidedBy: 'U0REQUESTER' } }),
      line: ':heavy_minus_sign: Cancelled by the requester',
    },
    {
      status: 'expired',
      view: buildRequestView({ request: { status: 'expired' } }),
      line: ':hourglass: Expired: nobody decided within 1d',
    },
    {
      status: 'failed',
      view: buildRequestView({
        request: {
          ...decided,
          status: 'failed',
          approvedVia: 'approvers',
          decisionReason: 'IAM said AccessDenied',
        },
      }),
      line: ':warning: Approved, but the grant failed: IAM said AccessDenied',
    },
  ] as const)('replaces the buttons with the outcome once $status', ({ status, view, line }) => {
    const words: Partial<Record<RequestStatus, string>> = { failed: 'approved, but the grant failed' };
    expect(approvalMessage(view, { approvalTimeoutSeconds: 86_400 })).toEqual({
      text: `<@U0REQUESTER> asks for Production admin for 2h: ${words[status] ?? status}`,
      blocks: [HEADER, ASK, JUSTIFICATION, { type: 'section', text: mrkdwn(line) }, FOOTER],
    });
  });

  it.each(['approved', 'denied', 'cancelled', 'expired', 'failed'] as const)(
    'has no actions block once %s',
    (status) => {
      const message = approvalMessage(buildRequestView({ request: { status } }));
      expect(message.blocks.filter((block) => block.type === 'actions')).toEqual([]);
    },
  );

  it('says an expired request timed out "in time" when the timeout is not given', () => {
    const message = approvalMessage(buildRequestView({ request: { status: 'expired' } }));
    expect(JSON.stringify(message)).toContain('Expired: nobody decided in time');
  });

  it('shows progress and who approved so far when more than one approval is needed', () => {
    const view = buildRequestView({ request: { approvalsRequired: 2 }, approvedBy: [APPROVER] });
    const blocks = approvalMessage(view).blocks;
    expect(blocks[3]).toEqual({ type: 'context', elements: [mrkdwn('1 of 2 approvals: <@U0APPROVER1>')] });
    expect(blocks[4]?.type).toBe('actions');
  });

  it('shows no progress line when one approval decides', () => {
    const blocks = approvalMessage(buildRequestView()).blocks;
    expect(JSON.stringify(blocks)).not.toContain('approvals');
  });

  it('says under the ask exactly what is granted, escaped', () => {
    const target = { access: 'IAM group jit-admin in <!channel> (111111111111)' };
    const blocks = approvalMessage(buildRequestView({ target })).blocks;
    expect(blocks[2]).toEqual({
      type: 'context',
      elements: [mrkdwn('Grants IAM group jit-admin in &lt;!channel&gt; (111111111111)')],
    });
  });

  it('marks breakglass requests under the header', () => {
    const blocks = approvalMessage(buildRequestView({ request: { breakglass: true } })).blocks;
    expect(blocks[1]).toEqual({
      type: 'context',
      elements: [mrkdwn(':rotating_light: *Breakglass request*')],
    });
  });

  it('links a ticket that is a plain http(s) URL, escaping its &', () => {
    const view = buildRequestView({ request: { ticket: 'https://jira.example/browse/INC-1?a=1&b=2' } });
    expect(approvalMessage(view).blocks[3]).toEqual({
      type: 'section',
      text: mrkdwn(
        '*Ticket:* <https://jira.example/browse/INC-1?a=1&amp;b=2|https://jira.example/browse/INC-1?a=1&amp;b=2>',
      ),
    });
  });

  it.each([
    ['INC-1234', 'INC-1234'],
    ['https://a.example/x|Approve me', 'https://a.example/x|Approve me'],
    ['https://a.example/<x>', 'https://a.example/&lt;x&gt;'],
    ['javascript:alert(1)', 'javascript:alert(1)'],
  ])('shows ticket %j as text, not as a link', (ticket, shown) => {
    const view = buildRequestView({ request: { ticket } });
    expect(approvalMessage(view).blocks[3]).toEqual({ type: 'section', text: mrkdwn(`*Ticket:* ${shown}`) });
  });

  it('says it was approved automatically when no approver is recorded', () => {
    const view = buildRequestView({ request: { status: 'approved' } });
    expect(JSON.stringify(approvalMessage(view))).toContain(':white_check_mark: Approved automatically');
  });
});
