import type { Queryable } from './pool.js';

export type MessagePurpose =
  | 'approval'
  | 'requester'
  | 'admin'
  | 'decision'
  /** The requester's notice that access is in place (or was extended, or already existed). */
  | 'access'
  /** The expiry warning with Extend / Revoke now. */
  | 'warning'
  | 'revoked'
  /** Operational alerts in the admin channel (a failed grant, a revocation that keeps failing). */
  | 'alert'
  /** The reminder to an approver who has not decided, in the thread of their approval message. */
  | 'reminder';

export interface PostedMessage {
  readonly requestId: string;
  readonly purpose: MessagePurpose;
  /** A user id for DMs, a channel id for channel posts. */
  readonly recipient: string;
  readonly channel: string;
  readonly ts: string;
}

export async function listMessages(db: Queryable, requestId: string, purposes?: MessagePurpose[]) {
  const { rows } = await db.query<PostedMessage>(
    `SELECT request_id AS "requestId", purpose, recipient, channel, ts FROM slack_messages
      WHERE request_id = $1 AND ts <> '' AND ($2::text[] IS NULL OR purpose = ANY($2)) ORDER BY id`,
    [requestId, purposes ?? null],
  );
  return rows;
}

/** Longer than a job's lease: a live worker posts (or gives the slot back) well within it. */
const ABANDONED_RESERVATION_SECONDS = 180;

/**
 * Claims the slot for one message before it is posted, so a retried job never sends the same
 * message to the same person twice. False when it was already claimed (sent or being sent).
 */
export async function reserveMessage(
  db: Queryable,
  requestId: string,
  purpose: MessagePurpose,
  recipient: string,
) {
  // A reservation left by a process that died before posting (no ts after the job lease) is taken
  // over: otherwise the retried job would think the message went out.
  const { rowCount } = await db.query(
    `INSERT INTO slack_messages (request_id, purpose, recipient, channel, ts) VALUES ($1, $2, $3, '', '')
     ON CONFLICT (request_id, purpose, recipient) DO UPDATE SET reserved_at = now()
       WHERE slack_messages.ts = '' AND slack_messages.reserved_at < now() - make_interval(secs => $4)`,
    [requestId, purpose, recipient, ABANDONED_RESERVATION_SECONDS],
  );
  return rowCount === 1;
}

export async function completeMessage(db: Queryable, message: PostedMessage): Promise<void> {
  await db.query(
    'UPDATE slack_messages SET channel = $4, ts = $5 WHERE request_id = $1 AND purpose = $2 AND recipient = $3',
    [message.requestId, message.purpose, message.recipient, message.channel, message.ts],
  );
}

/** Gives the slot back when posting failed, so the retry can post it. */
export async function releaseMessage(
  db: Queryable,
  requestId: string,
  purpose: MessagePurpose,
  recipient: string,
) {
  await db.query(
    "DELETE FROM slack_messages WHERE request_id = $1 AND purpose = $2 AND recipient = $3 AND ts = ''",
    [requestId, purpose, recipient],
  );
}
