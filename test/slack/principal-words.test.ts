import { describe, expect, it } from 'vitest';
import { approvalMessage, approvalReminder } from '../../src/slack/blocks/approval-message.js';
import { breakglassNotice } from '../../src/slack/blocks/breakglass-notice.js';
import { buildRequestView, REQUESTER } from './builders.js';

const IAM = 'IAM user alice in Production (111111111111)';
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('whose account the access goes to', () => {
  it('the approval message says it in the ask line and in the text fallback', () => {
    const message = approvalMessage(buildRequestView({ request: { principalLabel: IAM } }));
    expect(message.text).toBe(`<@${REQUESTER}> asks for Production admin for 2h as ${IAM}`);
    expect(message.blocks[1]).toEqual(
      section(`<@${REQUESTER}> asks for *Production admin* (Production (111111111111)) for *2h* as *${IAM}*`),
    );
  });

  it('the reminder in the thread says it too', () => {
    const reminder = approvalReminder(buildRequestView({ request: { principalLabel: IAM } }));
    expect(reminder.text).toBe(
      `:hourglass_flowing_sand: Still waiting for a decision: <@${REQUESTER}> asks for Production admin for 2h as ${IAM}.`,
    );
  });

  it('the breakglass notice says it in its first section and its text', () => {
    const view = buildRequestView({ request: { status: 'approved', breakglass: true, principalLabel: IAM } });
    const notice = breakglassNotice(view);
    expect(notice.text).toBe(
      `:rotating_light: Breakglass: <@${REQUESTER}> used breakglass for Production admin for 2h as ${IAM}`,
    );
    expect(notice.blocks[1]).toEqual(
      section(
        `<@${REQUESTER}> used breakglass for *Production admin* (Production (111111111111)) for *2h* as *${IAM}*, without approval.`,
      ),
    );
  });

  it('is escaped: an Okta label carries the Slack email, which its owner writes', () => {
    const label = 'Okta user <!channel>&<@U0BOSS>@example.com';
    const escaped = 'Okta user &lt;!channel&gt;&amp;&lt;@U0BOSS&gt;@example.com';
    const approval = approvalMessage(buildRequestView({ request: { principalLabel: label } }));
    const notice = breakglassNotice(
      buildRequestView({ request: { breakglass: true, principalLabel: label } }),
    );
    for (const message of [approval, notice]) {
      expect(message.text).toContain(`as ${escaped}`);
      expect(JSON.stringify(message.blocks)).toContain(`as *${escaped}*`);
      expect(JSON.stringify(message)).not.toContain('<!channel>');
    }
  });

  it('says nothing about it before the principal is known', () => {
    const message = approvalMessage(buildRequestView({ request: { principalLabel: null } }));
    expect(message.text).toBe(`<@${REQUESTER}> asks for Production admin for 2h`);
  });
});
