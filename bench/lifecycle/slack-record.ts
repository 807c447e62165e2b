/**
 * What the fake Slack knows about one request's messages, and when its lifecycle reached the
 * points the driver waits for. The kinds are told apart by the fallback text jitbot writes (the
 * message builders in src/slack/blocks): if that wording changes, `classify` must follow.
 */
export type MessageKind = 'approval' | 'receipt' | 'decision' | 'access' | 'revoked' | 'other';

export interface PostedMessage {
  /** Which chat.postMessage it was (the ts the fake answered ends with it). */
  readonly index: number;
  /** Wall-clock ms (performance clock anchored at timeOrigin), as the driver's. */
  readonly at: number;
  readonly kind: MessageKind;
  /** When each chat.update of it arrived. */
  readonly updates: number[];
}

export interface RequestRecord {
  readonly posts: PostedMessage[];
}

export function classify(toApprover: boolean, text: string): MessageKind {
  if (toApprover) return 'approval';
  if (text.includes('has ended')) return 'revoked';
  if (text.startsWith('Access to')) return 'access';
  if (text.includes('waiting for approval')) return 'receipt';
  if (/: approved$/.test(text)) return 'decision';
  return 'other';
}

/** The messages jitbot keeps up to date (chat.update) as the request and its grant change. */
const KEPT_UP_TO_DATE: readonly MessageKind[] = ['approval', 'receipt', 'access'];

const latest = (values: readonly number[]) => values.reduce((max, value) => Math.max(max, value), 0);

/**
 * When everything the approval leads to was in Slack: the approval DM and the receipt updated to
 * say approved, the decision notice and the access DM posted. Until then expiring the grant would
 * race messages that, in real use, are out minutes before it ends.
 */
export function settledPoint(record: RequestRecord): number | undefined {
  const one = (kind: MessageKind) => record.posts.find((posted) => posted.kind === kind);
  const approval = one('approval');
  const receipt = one('receipt');
  const decision = one('decision');
  const access = one('access');
  if (!approval?.updates.length || !receipt?.updates.length || !decision || !access) return undefined;
  return Math.max(latest(approval.updates), latest(receipt.updates), decision.at, access.at);
}

/**
 * When the lifecycle was done, given the moment its grant was made due (`after`): the DM that the
 * access ended is posted, and each message kept up to date was updated after that moment.
 */
export function donePoint(record: RequestRecord, after: number): number | undefined {
  const revoked = record.posts.find((posted) => posted.kind === 'revoked');
  if (!revoked) return undefined;
  let at = revoked.at;
  for (const posted of record.posts) {
    if (!KEPT_UP_TO_DATE.includes(posted.kind)) continue;
    const update = posted.updates.find((when) => when >= after);
    if (update === undefined) return undefined;
    at = Math.max(at, latest(posted.updates));
  }
  return at;
}
