/**
 * Rules every builder keeps, checked over all of them at once: user text cannot inject markup,
 * every message has a notification text, and no input makes a payload Slack would refuse.
 */
import type { ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { RequestStatus } from '../../src/domain/request.js';
import { approvalMessage } from '../../src/slack/blocks/approval-message.js';
import { breakglassNotice } from '../../src/slack/blocks/breakglass-notice.js';
import {
  helpReply,
  listReply,
  problemReply,
  statusReply,
  unknownTargetReply,
} from '../../src/slack/blocks/command-replies.js';
import { denyReasonModal } from '../../src/slack/blocks/deny-modal.js';
import { requestModal } from '../../src/slack/blocks/request-modal.js';
import {
  decisionNotice,
  duplicateRequestNotice,
  requestReceipt,
} from '../../src/slack/blocks/requester-messages.js';
import type { RequestView, SlackMessage } from '../../src/slack/blocks/types.js';
import { APPROVER, buildRequestView, buildTargets } from './builders.js';
import { limitProblems } from './slack-limits.js';

/** Every string Slack reads as mrkdwn in a payload. */
function mrkdwnTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(mrkdwnTexts);
  if (typeof value !== 'object' || value === null) return [];
  const entries = Object.entries(value);
  const own = 'type' in value && value.type === 'mrkdwn' && 'text' in value ? [String(value.text)] : [];
  return [...own, ...entries.flatMap(([, child]) => mrkdwnTexts(child))];
}

const STATUSES: RequestStatus[] = ['pending', 'approved', 'denied', 'cancelled', 'expired', 'failed'];

/** Every message builder, over every status of `view`. */
function allMessages(view: (status: RequestStatus) => RequestView): SlackMessage[] {
  return STATUSES.flatMap((status) => {
    const v = view(status);
    const decided = status === 'pending' ? [] : [decisionNotice(v, status)];
    return [
      approvalMessage(v, { approvalTimeoutSeconds: 3600 }),
      requestReceipt(v),
      breakglassNotice(v),
      breakglassNotice(v, APPROVER),
      statusReply({
        pending: [v],
        active: [{ targetName: v.target.name, expiresAt: new Date(0), requestId: v.request.id }],
      }),
      duplicateRequestNotice(v.request, v.target.name),
      ...decided,
    ];
  });
}

function allModals(view: RequestView): ModalView[] {
  const { request, target } = view;
  return [
    requestModal({ targets: [target], selectedTargetId: target.id, durationChoices: [3600] }),
    requestModal({ targets: [target, { ...target, id: 'other', location: 'Elsewhere' }] }),
    denyReasonModal({ requestId: request.id, requesterId: request.requesterId, targetName: target.name }),
  ];
}

describe('injection', () => {
  const HOSTILE = '<!channel> <@U999> <https://evil.example|click> & <!subteam^S999>';
  const hostileView = (status: RequestStatus) =>
    buildRequestView({
      request: {
        status,
        justification: HOSTILE,
        ticket: 'https://evil.example/<x>|click <!here>',
        decidedBy: APPROVER,
        decisionReason: HOSTILE,
      },
      target: { name: `Prod ${HOSTILE}`, location: `Acct ${HOSTILE}`, description: HOSTILE },
    });
  const messages = [
    ...allMessages(hostileView),
    listReply([hostileView('pending').target]),
    problemReply(HOSTILE, HOSTILE),
    unknownTargetReply(HOSTILE, [HOSTILE]),
  ];
  const RAW = ['<!channel>', '<@U999>', '<https://evil', '<!here>', '<!subteam^S999>', '|click>'];

  it.each(messages.map((message, i) => [i, message] as const))(
    'message %i shows user text escaped',
    (_, message) => {
      const json = JSON.stringify(message);
      for (const raw of RAW) expect(json).not.toContain(raw);
    },
  );

  // Modals show catalog names in plain_text menus, which Slack never parses: only mrkdwn matters there.
  it.each(allModals(hostileView('pending')).map((modal, i) => [i, modal] as const))(
    'modal %i escapes user text in mrkdwn',
    (_, modal) => {
      const parsed = JSON.stringify(mrkdwnTexts(modal));
      for (const raw of RAW) expect(parsed).not.toContain(raw);
    },
  );

  it('shows names as typed in plain_text, where escaping would print &lt; literally', () => {
    const modal = requestModal({ targets: [hostileView('pending').target] });
    expect(JSON.stringify(modal)).toContain(`"text":"Prod ${HOSTILE}"`);
  });

  it('keeps the escaped text visible', () => {
    const json = JSON.stringify(approvalMessage(hostileView('denied')));
    expect(json).toContain('&lt;!channel&gt; &lt;@U999&gt; &lt;https://evil.example|click&gt; &amp;');
    expect(json).toContain('https://evil.example/&lt;x&gt;|click &lt;!here&gt;');
  });
});

describe('fallback text', () => {
  it.each(
    allMessages((status) => buildRequestView({ request: { status } })).map((m) => [m.text, m] as const),
  )('%j is not empty', (_, message) => {
    expect(message.text.trim()).not.toBe('');
  });

  it.each([helpReply(), listReply([]), listReply(buildTargets(2)), statusReply({ pending: [], active: [] })])(
    'command reply %# has text',
    (message) => {
      expect(message.text.trim()).not.toBe('');
    },
  );
});

describe('Slack limits', () => {
  // `&` grows fivefold when escaped; newlines add a `>` each when quoted.
  const LONG = `${'&<>'.repeat(2000)}\n${'x\n'.repeat(2000)}`;
  const longView = (status: RequestStatus) =>
    buildRequestView({
      request: {
        status,
        justification: LONG,
        ticket: `https://t.example/${'&'.repeat(3000)}`,
        decisionReason: LONG,
      },
      target: { name: 'N'.repeat(500), location: 'L'.repeat(500), description: LONG },
      approvedBy: Array.from({ length: 300 }, (_, i) => `U${String(i).padStart(8, '0')}`),
    });
  const payloads = [
    ...allMessages(longView),
    ...allModals(longView('pending')),
    listReply(Array.from({ length: 80 }, () => longView('pending').target)),
    statusReply({ pending: Array.from({ length: 80 }, () => longView('pending')), active: [] }),
    problemReply(LONG, LONG),
    unknownTargetReply(
      LONG,
      Array.from({ length: 500 }, () => LONG),
    ),
    requestModal({ targets: buildTargets(120, 110) }),
  ];

  it.each(payloads.map((payload, i) => [i, payload] as const))(
    'payload %i stays within them',
    (_, payload) => {
      expect(limitProblems(payload)).toEqual([]);
    },
  );

  it('cuts an over-long justification to fit its section, without leaving half an entity', () => {
    const justification = approvalMessage(longView('pending')).blocks[2];
    const text = justification?.type === 'section' ? (justification.text?.text ?? '') : '';
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/^\*Justification\*\n>&amp;&lt;&gt;/);
    expect(text).toMatch(/;…$/);
  });

  it('shows an over-long ticket URL as text rather than as a link it would have to cut', () => {
    const json = JSON.stringify(approvalMessage(longView('pending')));
    expect(json).toContain('*Ticket:* https://t.example/&amp;&amp;');
  });

  it('the checker itself notices breaches', () => {
    const bad = {
      text: '',
      blocks: [
        { type: 'header' as const, text: { type: 'plain_text' as const, text: 'h'.repeat(151) } },
        { type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'x'.repeat(3001) } },
      ],
    };
    expect(limitProblems(bad)).toEqual([
      'text: missing or empty',
      'blocks[0].text.text: 151 characters, over 150',
      'blocks[1].text.text: 3001 characters, over 3000',
    ]);
  });
});
