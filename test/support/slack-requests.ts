import { createHmac } from 'node:crypto';

export interface SignedRequestOptions {
  readonly secret: string;
  /** Seconds since the epoch; defaults to now. */
  readonly timestamp?: number;
}

/** Signs a body as Slack does: v0=HMAC-SHA256(secret, `v0:${timestamp}:${body}`). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export function signedHeaders(body: string, contentType: string, options: SignedRequestOptions) {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(options.secret, timestamp, body),
  };
}

/** POSTs a JSON body (events API) to the app's /slack/events, signed. */
export function postSignedJson(baseUrl: string, payload: unknown, options: SignedRequestOptions) {
  const body = JSON.stringify(payload);
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    headers: signedHeaders(body, 'application/json', options),
    body,
  });
}

/** POSTs a form body (slash commands; interactions as payload=<json>) to /slack/events, signed. */
export function postSignedForm(
  baseUrl: string,
  fields: Record<string, string>,
  options: SignedRequestOptions,
) {
  const body = new URLSearchParams(fields).toString();
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    headers: signedHeaders(body, 'application/x-www-form-urlencoded', options),
    body,
  });
}
