import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { sendJson, sendText } from '../http/http-server.js';
import type { Logger } from '../log/logger.js';
import { envelopeProblem } from './envelope.js';
import { verifySlackSignature } from './request-signature.js';

/** Remembers a delivery key; false when it was seen before (shared across replicas). */
export type FirstDelivery = (key: string) => Promise<boolean>;

export interface SlackHttpReceiverOptions {
  readonly signingSecret: string;
  readonly logger: Logger;
  readonly firstDelivery: FirstDelivery;
  readonly now?: () => number;
}

// Slack's largest payloads (a view submission of a full modal) are tens of kilobytes.
const MAX_BODY_BYTES = 1024 * 1024;
// Slack waits 3 s for an answer; an unanswered request gets a plain 404 just after, as Bolt does.
const UNANSWERED_MS = 3_001;

class BodyTooLarge extends Error {}

/**
 * Thrown from a replayed command's ack, after the ack went out: the listener awaiting it stops
 * before doing anything (app.error logs it as the refusal it is).
 */
export class ReplayedRequestError extends Error {
  constructor() {
    super('a replayed Slack request was refused before any work');
    this.name = 'ReplayedRequestError';
  }
}

interface Admitted {
  readonly body: Record<string, unknown>;
  /** For a command: whether this is the first delivery, settled after its ack goes out. */
  readonly admission?: Promise<boolean>;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

type Parsed =
  | { readonly ok: true; readonly body: Record<string, unknown>; readonly plainForm?: true }
  | { readonly ok: false; readonly reason: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Slack's two encodings: JSON (Events API) and a form (commands; interactions as `payload=<json>`).
 * Anything else, or a payload that is not a JSON object (`payload=null`, `payload=[]`), is refused:
 * Bolt reads properties of the body before any listener could.
 */
function parseSlackBody(contentType: string | undefined, raw: Buffer): Parsed {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  try {
    if (type === 'application/json') {
      const body: unknown = JSON.parse(raw.toString('utf8'));
      return isPlainObject(body)
        ? { ok: true, body }
        : { ok: false, reason: 'the JSON body is not an object' };
    }
    if (type === 'application/x-www-form-urlencoded') {
      // One value per field (the last), always a string: a repeated field cannot become an array.
      const fields = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
      if (fields.payload === undefined) return { ok: true, body: fields, plainForm: true };
      const payload: unknown = JSON.parse(fields.payload);
      return isPlainObject(payload)
        ? { ok: true, body: payload }
        : { ok: false, reason: 'the payload is not an object' };
    }
  } catch {
    return { ok: false, reason: 'the body is not valid JSON' };
  }
  return { ok: false, reason: `unsupported content type ${JSON.stringify(type).slice(0, 60)}` };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Receives Slack's HTTP requests for Bolt, on jitbot's own server (see http-server.ts): verifies
 * the signature within a five-minute window both ways, refuses a second delivery of the same
 * signed request (a replay: Slack never re-sends a command or an interaction, and re-signs the
 * Events API retries it does send), and hands Bolt only a body that is an object.
 */
export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;
  private readonly now: () => number;

  constructor(private readonly options: SlackHttpReceiverOptions) {
    this.now = options.now ?? Date.now;
  }

  init(app: App): void {
    this.app = app;
  }

  /** jitbot's HTTP server listens for it; nothing to start. */
  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  /** The route handler for POST /slack/events. Never rejects with a request's fault. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      this.options.logger.warn({ limit: MAX_BODY_BYTES }, 'a Slack request body was too large; refused');
      res.setHeader('connection', 'close');
      sendText(res, 413, 'body too large\n');
      return;
    }
    const admitted = await this.admit(req, raw);
    if ('status' in admitted) {
      if (admitted.status === 200) sendJson(res, 200, admitted.answer);
      else sendText(res, admitted.status, `${admitted.answer}\n`);
      return;
    }
    await this.dispatch(req, res, admitted);
  }

  /** What to answer at once, or the body to hand Bolt: every check before any listener runs. */
  private async admit(
    req: IncomingMessage,
    raw: Buffer,
  ): Promise<{ readonly status: number; readonly answer: unknown } | Admitted> {
    const { logger } = this.options;
    const verdict = verifySlackSignature(
      this.options.signingSecret,
      req.headers,
      raw,
      Math.floor(this.now() / 1000),
    );
    if (!verdict.ok) {
      logger.warn(
        { reason: verdict.reason },
        'a request to /slack/events failed signature verification; refused',
      );
      return { status: 401, answer: 'unauthorized' };
    }
    const parsed = parseSlackBody(singleHeader(req.headers['content-type']), raw);
    if (!parsed.ok) {
      logger.warn({ reason: parsed.reason }, 'a signed Slack request had a body jitbot cannot read; refused');
      return { status: 400, answer: 'bad request' };
    }
    const { body } = parsed;
    if (body.ssl_check === '1') return { status: 200, answer: {} };
    if (body.type === 'url_verification')
      return { status: 200, answer: { challenge: String(body.challenge ?? '') } };
    // A command's plain form holds strings only; everything else is checked before Bolt reads it.
    const problem =
      parsed.plainForm === true && typeof body.command === 'string' ? undefined : envelopeProblem(body);
    if (problem !== undefined) {
      logger.warn({ problem }, 'a signed Slack request had a field of the wrong type; refused');
      return { status: 400, answer: 'bad request' };
    }
    // The signature already digests the timestamp and the body: it is the key as it is.
    const first = this.options.firstDelivery(`signature:${verdict.signature}`);
    // A command's ack changes nothing, and Slack gives it 3 s: it goes out at once, and the replay
    // check stands between the ack and the work (see dispatch). Everything else waits for it.
    if (body.command !== undefined) {
      first.catch(() => undefined);
      return { body, admission: first };
    }
    if (!(await first)) {
      this.logReplay(verdict.timestamp);
      return { status: 409, answer: 'already received' };
    }
    return { body };
  }

  private logReplay(timestamp: number): void {
    this.options.logger.warn(
      { requestTimestamp: timestamp },
      'a signed Slack request was delivered a second time (a replay); refused without acting on it',
    );
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, admitted: Admitted): Promise<void> {
    const { logger } = this.options;
    const { body, admission } = admitted;
    const refuseReplay = async () => {
      if (admission && !(await admission)) {
        this.logReplay(Number(req.headers['x-slack-request-timestamp']));
        throw new ReplayedRequestError();
      }
    };
    let acked = false;
    const unanswered = setTimeout(() => {
      if (acked) return;
      acked = true;
      logger.warn({ type: body.type }, 'no listener answered a Slack request within 3 s');
      sendText(res, 404, '');
    }, UNANSWERED_MS);
    const retry = singleHeader(req.headers['x-slack-retry-num']);
    const retryReason = singleHeader(req.headers['x-slack-retry-reason']);
    const event: ReceiverEvent = {
      body,
      async ack(response?: unknown) {
        if (acked) return;
        acked = true;
        clearTimeout(unanswered);
        if (!response) sendText(res, 200, '');
        else if (typeof response === 'string') sendText(res, 200, response);
        else sendJson(res, 200, response);
        // The listener awaits its ack before any work: a replay stops it here.
        await refuseReplay();
      },
      ...(retry !== undefined && /^\d+$/.test(retry) ? { retryNum: Number(retry) } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
    };
    try {
      await this.app?.processEvent(event);
      // Every listener has run and none acked (no listener for this payload): say so now, not in 3 s.
      if (!acked) {
        acked = true;
        clearTimeout(unanswered);
        sendText(res, 404, '');
      }
    } catch (error) {
      // Bolt could not make sense of a verified body (a type-confused field): a 500 for Slack, a
      // log line for us, and the process goes on.
      logger.error({ err: error, type: body.type }, 'a Slack request could not be processed');
      if (!acked) {
        acked = true;
        clearTimeout(unanswered);
        sendText(res, 500, '');
      }
    }
  }
}
