import { describe, expect, it } from 'vitest';
import {
  choiceList,
  helpReply,
  listReply,
  problemReply,
  statusReply,
  unknownTargetReply,
} from '../../src/slack/blocks/command-replies.js';
import { APPROVER, APPROVER_GROUP, buildRequestView, buildTarget, buildTargets } from './builders.js';
import { limitProblems } from './slack-limits.js';

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });

describe('helpReply', () => {
  it('lists every subcommand, with <placeholders> escaped so Slack does not read them as links', () => {
    const help = helpReply();
    expect(help.text).toBe('How to use /request-aws-access');
    const text = JSON.stringify(help);
    for (const usage of [
      'list`',
      'status`',
      'help`',
      'cancel &lt;request-id&gt;`',
      '&lt;target-id&gt; &lt;duration&gt;',
    ]) {
      expect(text).toContain(usage);
    }
    expect(text).not.toContain('<target-id>');
  });
});

describe('listReply', () => {
  it('shows each target with its id, limits, approvers and breakglass marker', () => {
    const target = buildTarget({
      description: 'Full admin in production',
      approverGroups: [APPROVER_GROUP],
      approvalsRequired: 2,
      breakglass: true,
    });
    const reply = listReply([target]);
    expect(reply.text).toBe('You may request 1 target');
    expect(reply.blocks.slice(0, 2)).toEqual([
      { type: 'section', text: mrkdwn('*You may request 1 target*') },
      {
        type: 'section',
        text: mrkdwn(
          '`prod-admin` *Production admin* (Production (111111111111))\nFull admin in production\n' +
            `up to 4h · 2 approvals from <@${APPROVER}>, <!subteam^${APPROVER_GROUP}> · :rotating_light: breakglass`,
        ),
      },
    ]);
  });

  it('says what to do when there is nothing to request', () => {
    const none =
      "There are no targets you may request. Ask your jitbot admins to add you to a target's requesters.";
    expect(listReply([])).toEqual({ text: none, blocks: [{ type: 'section', text: mrkdwn(none) }] });
  });

  it('caps a long catalog under 50 blocks and says how many are not shown', () => {
    const reply = listReply(buildTargets(75));
    expect(limitProblems(reply)).toEqual([]);
    expect(JSON.stringify(reply)).toContain('…and 35 more not shown.');
  });
});

describe('statusReply', () => {
  it('lists pending requests with progress and active access with its end time', () => {
    const pending = buildRequestView({ request: { approvalsRequired: 2 }, approvedBy: [APPROVER] });
    const active = {
      targetName: 'Staging admin',
      expiresAt: new Date('2025-03-01T16:00:00Z'),
      requestId: 'REQ-AAAAAAAA',
    };
    expect(statusReply({ pending: [pending], active: [active] })).toEqual({
      text: '1 pending request, 1 active grant',
      blocks: [
        {
          type: 'section',
          text: mrkdwn(
            '*Waiting for approval*\n• `REQ-7K3M9QX2` *Production admin* (Production (111111111111)) for 2h' +
              ` · 1 of 2 approvals: <@${APPROVER}>`,
          ),
        },
        {
          type: 'section',
          text: mrkdwn(
            '*Active access*\n• *Staging admin* until ' +
              '<!date^1740844800^{date_short_pretty} {time}|Sat 1 Mar 2025 16:00 UTC> (`REQ-AAAAAAAA`)',
          ),
        },
      ],
    });
  });

  it('says there is nothing when there is nothing', () => {
    const none = 'You have no pending requests and no active access.';
    expect(statusReply({ pending: [], active: [] })).toEqual({
      text: none,
      blocks: [{ type: 'section', text: mrkdwn(none) }],
    });
  });

  it('caps long lists', () => {
    const pending = Array.from({ length: 30 }, () => buildRequestView());
    const reply = statusReply({ pending, active: [] });
    expect(JSON.stringify(reply)).toContain('…and 20 more');
    expect(limitProblems(reply)).toEqual([]);
  });
});

describe('problemReply', () => {
  it('shows the problem and an optional hint, both escaped', () => {
    expect(problemReply('No target "<!here>"', 'Try list')).toEqual({
      text: 'No target "&lt;!here&gt;"',
      blocks: [
        { type: 'section', text: mrkdwn(':warning: No target "&lt;!here&gt;"') },
        { type: 'context', elements: [mrkdwn('Try list')] },
      ],
    });
    expect(problemReply('Nope').blocks).toHaveLength(1);
  });

  it('lists the valid targets for an unknown one, capped', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `t-${i + 1}`);
    const reply = unknownTargetReply('prod', ids);
    expect(reply.blocks[1]).toEqual({
      type: 'context',
      elements: [mrkdwn(`Choose one of: ${ids.slice(0, 15).join(', ')} and 25 more`)],
    });
  });

  it('writes short choice lists out in full', () => {
    expect(choiceList(['a', 'b'])).toBe('a, b');
  });
});
