import { describe, expect, it } from 'vitest';
import {
  escapeMrkdwn,
  formatTime,
  groupMention,
  linkOrText,
  mention,
  mentionList,
  quote,
  truncate,
  truncateMrkdwn,
} from '../../src/slack/mrkdwn.js';

describe('escapeMrkdwn', () => {
  it('escapes the three characters Slack reads as markup', () => {
    expect(escapeMrkdwn('<!channel> <@U999> <https://evil.example|click> & co')).toBe(
      '&lt;!channel&gt; &lt;@U999&gt; &lt;https://evil.example|click&gt; &amp; co',
    );
  });

  it('escapes & first, so text that looks escaped shows as typed', () => {
    expect(escapeMrkdwn('&lt;!channel&gt;')).toBe('&amp;lt;!channel&amp;gt;');
  });
});

describe('mentions', () => {
  it('renders ids as mentions', () => {
    expect(mention('U0ABC')).toBe('<@U0ABC>');
    expect(groupMention('S0ABC')).toBe('<!subteam^S0ABC>');
    expect(mentionList(['U1A', 'W2B'], ['S3C'])).toBe('<@U1A>, <@W2B>, <!subteam^S3C>');
    expect(mentionList([], [])).toBe('');
  });

  it('shows anything that is not an id as inert text', () => {
    expect(mention('U1> <!channel')).toBe('U1&gt; &lt;!channel');
    expect(groupMention('here>')).toBe('here&gt;');
  });
});

describe('formatTime', () => {
  it("uses Slack's date token so each reader sees their own time zone", () => {
    expect(formatTime(new Date('2025-03-01T14:00:00.123Z'))).toBe(
      '<!date^1740837600^{date_short_pretty} {time}|Sat 1 Mar 2025 14:00 UTC>',
    );
  });
});

describe('truncate', () => {
  it('leaves short text alone and ends cut text with an ellipsis within the limit', () => {
    expect(truncate('short', 5)).toBe('short');
    expect(truncate('abcdefgh', 5)).toBe('abcd…');
  });

  it('never splits an emoji', () => {
    const cut = truncate('ab😀😀', 4);
    expect(cut).toBe('ab…');
    expect(cut.length).toBeLessThanOrEqual(4);
  });
});

describe('truncateMrkdwn', () => {
  it('never leaves half an entity or an unclosed token', () => {
    expect(truncateMrkdwn('a &amp; b', 5)).toBe('a …');
    expect(truncateMrkdwn('hi <@U0APPROVER1> there', 10)).toBe('hi …');
    expect(truncateMrkdwn('fits', 10)).toBe('fits');
  });
});

describe('quote', () => {
  it('quotes every line', () => {
    expect(quote('one\ntwo')).toBe('>one\n>two');
  });
});

describe('linkOrText', () => {
  it.each([
    ['https://jira.example/INC-1', '<https://jira.example/INC-1|https://jira.example/INC-1>'],
    ['http://a.example/?x=1&y=2', '<http://a.example/?x=1&amp;y=2|http://a.example/?x=1&amp;y=2>'],
    ['https://evil.example|Approve', 'https://evil.example|Approve'],
    ['https://a.example/ <!channel>', 'https://a.example/ &lt;!channel&gt;'],
    ['INC-1 <@U999>', 'INC-1 &lt;@U999&gt;'],
  ])('renders %j as %j', (input, shown) => {
    expect(linkOrText(input)).toBe(shown);
  });

  it('shows a URL too long to link whole as text', () => {
    const url = `https://a.example/${'a'.repeat(1000)}`;
    expect(linkOrText(url)).toBe(url);
  });
});
