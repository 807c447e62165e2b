import { describe, expect, it } from 'vitest';
import type { Target } from '../../src/domain/catalog.js';
import { DENY_REASON_MAX } from '../../src/domain/request-input.js';
import { approvalMessage } from '../../src/slack/blocks/approval-message.js';
import { denyReasonModal } from '../../src/slack/blocks/deny-modal.js';
import { option, section } from '../../src/slack/blocks/elements.js';
import { refusalFieldError, refusalReply } from '../../src/slack/blocks/refusal-replies.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { escapeMrkdwn, truncate, truncateMrkdwn } from '../../src/slack/mrkdwn.js';
import { buildRequestView } from './builders.js';

const RLO = '\u202E';
const BIDI = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F';

const target = {
  id: 'prod-ro',
  name: 'Production read-only',
  kind: 'aws-iam-group',
  account: 'prod',
  group: 'jit-prod-ro',
  durations: { defaultSeconds: 3600, maxSeconds: 4 * 3600 },
  approvers: { users: ['U1'], userGroups: [], required: 1 },
  selfApproval: false,
  breakglass: false,
  standingMembers: [],
  onDrift: 'alert',
  autoApprove: { maxDurationSeconds: 1800 },
} as const satisfies Target;

const UNTIL = new Date('2026-12-01T14:05:00Z');
const UNTIL_TOKEN = '<!date^1796133900^{date_short_pretty} {time}|Tue 1 Dec 2026 14:05 UTC>';

describe('bidirectional controls never reach Slack', () => {
  it('escapeMrkdwn drops them along with escaping', () => {
    expect(escapeMrkdwn(`invoice_${BIDI}fdp.exe <b>`)).toBe('invoice_fdp.exe &lt;b&gt;');
  });

  it('plain text and mrkdwn built by the elements drop them too, escaped or not', () => {
    expect(option(`Prod${RLO}nimda`, 'prod').text.text).toBe('Prodnimda');
    expect(section(`*already built* ${RLO}txt.exe`).text?.text).toBe('*already built* txt.exe');
    expect(truncate(`${RLO}abc`, 10)).toBe('abc');
    expect(truncateMrkdwn(`${RLO}abc`, 10)).toBe('abc');
  });

  it('an RLO in a justification and a ticket does not reach the approval message', () => {
    const view = buildRequestView({
      request: { justification: `fixing INC-42 ${RLO}gnp.exe`, ticket: `INC-42${RLO}` },
    });
    const json = JSON.stringify(approvalMessage(view));
    expect(json).toContain('fixing INC-42 gnp.exe');
    expect(json).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F]/);
  });
});

describe('the deny form', () => {
  it('allows in the form exactly what the server accepts', () => {
    const modal = denyReasonModal({ requestId: 'REQ-7K3M9QX2', requesterId: 'U0REQ', targetName: 'Prod' });
    expect(JSON.stringify(modal)).toContain(`"max_length":${DENY_REASON_MAX}`);
  });
});

describe('refusals of a valid request', () => {
  it('already holding the access: says until when, and offers Extend, which asks the approvers', () => {
    const refusal = { type: 'has-access', target, grantId: 'GNT-1', until: UNTIL, extendable: true } as const;
    expect(refusalReply(refusal)).toEqual({
      text: 'You already have this access until Tue 1 Dec 2026 14:05 UTC; ask for more time with Extend, which needs an approver.',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `:warning: You already have *Production read-only* until ${UNTIL_TOKEN}; ask for more time with Extend, which needs an approver.`,
          },
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Extend', emoji: true },
              action_id: ACTIONS.extend,
              value: 'prod-ro',
              style: 'primary',
            },
          ],
        },
      ],
    });
    expect(refusalFieldError(refusal)).toBe(
      "You already have this access until Tue 1 Dec 2026 14:05 UTC; ask for more time with Extend, which needs an approver. Extend is on jitbot's expiry warning, and in the answer to /request-aws-access prod-ro <duration> <why>.",
    );
  });

  it('already holding access nobody approves: no Extend to offer', () => {
    const refusal = {
      type: 'has-access',
      target: { ...target, approvers: { users: [], userGroups: [], required: 1 } },
      grantId: 'GNT-1',
      until: UNTIL,
      extendable: false,
    } as const;
    const reply = refusalReply(refusal);
    expect(reply.blocks).toHaveLength(1);
    expect(reply.text).toBe(
      'You already have this access until Tue 1 Dec 2026 14:05 UTC. Nobody approves it, so it cannot be extended: ask again once it has ended.',
    );
  });

  it('over the rate limit: how many, in how long, and when to try again', () => {
    const refusal = {
      type: 'rate-limited',
      target,
      requests: 10,
      perSeconds: 600,
      retryAt: new Date('2026-12-01T14:12:00Z'),
    } as const;
    expect(refusalReply(refusal)).toEqual({
      text: 'You made 10 requests in the last 10m; try again after Tue 1 Dec 2026 14:12 UTC.',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: ':warning: You made 10 requests in the last 10m; try again after <!date^1796134320^{date_short_pretty} {time}|Tue 1 Dec 2026 14:12 UTC>.',
          },
        },
      ],
    });
  });

  it('too many waiting: names one to cancel and how to list them', () => {
    const refusal = {
      type: 'too-many-pending',
      target,
      max: 5,
      pendingIds: ['REQ-AAAAAAA1', 'REQ-AAAAAAA2', 'REQ-AAAAAAA3', 'REQ-AAAAAAA4', 'REQ-AAAAAAA5'],
    } as const;
    expect(refusalReply(refusal)).toEqual({
      text: 'You have 5 requests waiting for approval; cancel one with `/request-aws-access cancel REQ-AAAAAAA1` or wait.',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: ':warning: You have 5 requests waiting for approval; cancel one with `/request-aws-access cancel REQ-AAAAAAA1` or wait.',
          },
        },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: '`/request-aws-access status` lists them.' }],
        },
      ],
    });
  });
});
