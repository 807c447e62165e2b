import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's window, both ways: older is a replay, newer is a clock trick or a pre-signed replay. */
const SIGNATURE_WINDOW_SECONDS = 5 * 60;

export type SignatureVerdict =
  | { readonly ok: true; readonly timestamp: number; readonly signature: string }
  | { readonly ok: false; readonly reason: string };

function headerOf(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Checks `x-slack-signature` (v0=HMAC-SHA256 of `v0:<timestamp>:<raw body>`) and that the
 * timestamp is within five minutes of now, in the past or the future. The reason names what was
 * wrong for the log; it never carries the secret or the expected signature.
 */
export function verifySlackSignature(
  secret: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  rawBody: Buffer,
  nowSeconds: number,
): SignatureVerdict {
  const signature = headerOf(headers['x-slack-signature']);
  const stamp = headerOf(headers['x-slack-request-timestamp']);
  if (!signature || !stamp) return { ok: false, reason: 'no Slack signature headers' };
  if (!/^\d{1,12}$/.test(stamp)) return { ok: false, reason: 'the timestamp is not a number of seconds' };
  const timestamp = Number(stamp);
  if (timestamp < nowSeconds - SIGNATURE_WINDOW_SECONDS)
    return { ok: false, reason: 'the timestamp is too old' };
  if (timestamp > nowSeconds + SIGNATURE_WINDOW_SECONDS) {
    return { ok: false, reason: 'the timestamp is in the future' };
  }
  const expected = Buffer.from(
    `v0=${createHmac('sha256', secret).update(`v0:${stamp}:`).update(rawBody).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'the signature does not match' };
  }
  return { ok: true, timestamp, signature };
}
