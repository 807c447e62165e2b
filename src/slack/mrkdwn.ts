/**
 * Helpers for Slack mrkdwn. The rule they serve: text jitbot did not write itself (a requester's
 * justification or ticket, an approver's deny reason, names from the catalog) reaches mrkdwn only
 * through `escapeMrkdwn`, and ids reach it only through `mention` and friends, which check them.
 */
import { removeBidiControls } from '../domain/visible-text.js';

/**
 * Escapes Slack's three control characters. Slack reads `<…>` as markup, so without this a
 * requester could write `<!channel>` to ping a whole channel, `<@U…>` to mention someone, or
 * `<http://evil.example|Approve here>` to disguise a link. `&` goes first so that text which
 * already contains `&lt;` shows as typed instead of turning into a `<`. Bidirectional controls
 * are dropped: an RLO in a justification would show an approver the rest of the line reversed
 * (`fdp.exe` as `exe.pdf`) and could reorder jitbot's own words after it.
 */
export function escapeMrkdwn(text: string): string {
  return removeBidiControls(text).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

// Slack ids are upper-case letters and digits: U/W for people, S for user groups.
const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;

/** `<@U123>`. Anything that is not a user id is shown as inert text, never as markup. */
export function mention(userId: string): string {
  return USER_ID.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

/** `<!subteam^S123>`: renders as the group's @handle. */
export function groupMention(groupId: string): string {
  return GROUP_ID.test(groupId) ? `<!subteam^${groupId}>` : escapeMrkdwn(groupId);
}

/** People and user groups as one comma-separated list of mentions; empty when both are empty. */
export function mentionList(users: readonly string[], groups: readonly string[] = []): string {
  return [...users.map(mention), ...groups.map(groupMention)].join(', ');
}

/**
 * A time every reader sees in their own time zone (Slack's date token). The fallback after `|`
 * is what clients that cannot render the token show, and what lands in notifications.
 */
export function formatTime(date: Date): string {
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time}|${readableTime(date)}>`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `Sun 6 Dec 2026 22:05 UTC`: a time for notification texts and fallbacks, where Slack shows no
 * date token. Read by people, so never an ISO string; UTC, since the reader's zone is unknown.
 */
export function readableTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`
  );
}

/** The longest prefix of `text` within `max` UTF-16 units that does not split an emoji or other surrogate pair. */
function prefixWithin(text: string, max: number): string {
  let kept = '';
  for (const char of text) {
    if (kept.length + char.length > max) break;
    kept += char;
  }
  return kept;
}

/**
 * `text` cut to at most `max` characters, ending in `…` when cut. Lengths are counted in UTF-16
 * units, which is never less than what Slack counts, so the result is always within its limit.
 * Every plain_text object (elements.ts) is made through this, and every mrkdwn text through
 * `truncateMrkdwn`, so both also drop bidirectional controls: text that reached a block without
 * `escapeMrkdwn` (a catalog name in a select option) cannot reorder what Slack shows either.
 */
export function truncate(text: string, max: number): string {
  const clean = removeBidiControls(text);
  if (clean.length <= max) return clean;
  return `${prefixWithin(clean, max - 1)}…`;
}

/**
 * `truncate` for mrkdwn that is already escaped or built by us: a cut never leaves half an entity
 * (`&am…`) or an unclosed `<@U12…` token behind, so what remains still renders as written.
 */
export function truncateMrkdwn(text: string, max: number): string {
  const clean = removeBidiControls(text);
  if (clean.length <= max) return clean;
  const kept = prefixWithin(clean, max - 1)
    .replace(/&[a-z]*$/, '')
    .replace(/<[^>]*$/, '');
  return `${kept}…`;
}

/** Quotes text line by line (`>` only quotes the line it starts). Pass escaped text. */
export function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
}

// No whitespace and none of Slack's link delimiters: such a URL cannot break out of `<url|label>`.
const PLAIN_URL = /^https?:\/\/[^\s<>|]+$/i;
// The URL appears twice in a link; past this it could not fit a section whole and is shown as text.
const LINK_MAX = 1000;

/**
 * A requester's ticket or link: an http(s) URL becomes a link, anything else stays escaped text.
 * The URL is escaped too (Slack wants `&` as `&amp;` inside links), and one with `|`, `<`, `>` or
 * spaces is never linked, so the label always shows the real destination. A very long one is
 * shown as text too, so that cutting it to fit cannot leave a half-written link.
 */
export function linkOrText(text: string): string {
  const escaped = escapeMrkdwn(text);
  return PLAIN_URL.test(text) && escaped.length <= LINK_MAX ? `<${escaped}|${escaped}>` : escaped;
}
