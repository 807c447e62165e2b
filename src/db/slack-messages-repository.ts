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

/**
 * Longer than a live worker can take to post (the background client gives up on a call after
 * 10 s and tries it twice, 20.5 s at most): a reservation this old without a message was left by
 * a process that died between reserving and posting. Short, as the message it holds back may be
 * an approval request on a clock.
 */
export const ABANDONED_RESERVATION_SECONDS = 30;

/**
 * The slot of one message: `reserved` (this caller posts it now), `posted` (it went out), or
 * `in-flight` (another worker reserved it and has not posted yet, or died doing so).
 */
export type Reservation = 'reserved' | 'posted' | 'in-flight';

/**
 * Claims the slot for one message before it is posted, so a retried job never sends the same
 * message to the same person twice. A reservation left by a process that died before posting is
 * taken over once it is ABANDONED_RESERVATION_SECONDS old.
 */
export async function reserveMessage(
  db: Queryable,
  requestId: string,
  purpose: MessagePurpose,
  recipient: string,
): Promise<Reservation> {
  // The outer SELECT reads the row as it was before this statement: its ts says whether a slot
  // held by someone else was posted. No row there: reserved a moment ago by someone else.
  const { rows } = await db.query<{ taken: boolean; ts: string | null }>(
    `WITH taken AS (
       INSERT INTO slack_messages (request_id, purpose, recipient, channel, ts) VALUES ($1, $2, $3, '', '')
       ON CONFLICT (request_id, purpose, recipient) DO UPDATE SET reserved_at = now()
         WHERE slack_messages.ts = '' AND slack_messages.reserved_at < now() - make_interval(secs => $4)
       RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM taken) AS taken,
            (SELECT ts FROM slack_messages WHERE request_id = $1 AND purpose = $2 AND recipient = $3) AS ts`,
    [requestId, purpose, recipient, ABANDONED_RESERVATION_SECONDS],
  );
  const row = rows[0];
  if (row?.taken) return 'reserved';
  return row?.ts ? 'posted' : 'in-flight';
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
