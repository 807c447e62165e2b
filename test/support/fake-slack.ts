import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../../src/paths.js';

export interface SlackCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly token: string | undefined;
}

/** May be async: a test can hold an answer back until it is ready. */
export type SlackMethodHandler = (
  args: Record<string, unknown>,
  call: SlackCall,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface FakeSlack {
  /** Base URL for SLACK_API_URL / slackApiUrl, ending in /api/. */
  readonly url: string;
  readonly calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  /** Replace the answer for one method (the `ok: true` envelope is added unless given). */
  on(method: string, handler: SlackMethodHandler): void;
  /** The next `times` calls to `method` answer 429 with Retry-After. */
  rateLimit(method: string, times: number, retryAfterSeconds?: number): void;
  /** The next `times` calls to `method` that `match` answer with this failure. */
  fail(
    method: string,
    match: (args: Record<string, unknown>) => boolean,
    failure: Failure,
    times?: number,
  ): void;
  /**
   * The bot scopes sent in every answer's x-oauth-scopes header, as Slack does; undefined sends
   * no header. Default: the bot scopes of slack/manifest.yaml, as an app installed from it has.
   */
  setScopes(scopes: readonly string[] | undefined): void;
  /** users.info about `userId` answers with these fields over the handler's user (a guest, a bot, another team). */
  setUser(userId: string, fields: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** The bot scopes an app installed from slack/manifest.yaml is granted. */
export function manifestBotScopes(): string[] {
  const manifest = parse(readFileSync(join(PACKAGE_ROOT, 'slack', 'manifest.yaml'), 'utf8')) as {
    oauth_config: { scopes: { bot: string[] } };
  };
  return manifest.oauth_config.scopes.bot;
}

export interface Failure {
  /** HTTP status; 200 with `error` is how Slack says no. */
  readonly status: number;
  readonly error: string;
  /** With status 429: the Retry-After header, in seconds. */
  readonly retryAfter?: number;
}

interface FailureRule {
  readonly method: string;
  readonly match: (args: Record<string, unknown>) => boolean;
  readonly failure: Failure;
  times: number;
}

const BOT = { user_id: 'UJITBOT', bot_id: 'BJITBOT', team_id: 'TFAKE', team: 'Fake Workspace' };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The WebClient sends form bodies with JSON-encoded nested values, or JSON bodies. */
function parseArgs(body: string, contentType: string | undefined): Record<string, unknown> {
  if (!body) return {};
  if (contentType?.includes('application/json')) return JSON.parse(body) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    try {
      args[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
    } catch {
      args[key] = value;
    }
  }
  return args;
}

function defaultAnswer(
  method: string,
  args: Record<string, unknown>,
  sequence: number,
): Record<string, unknown> {
  switch (method) {
    case 'auth.test':
      return { url: 'https://fake.slack.invalid/', user: 'jitbot', ...BOT };
    case 'chat.postMessage':
      return { channel: args.channel, ts: `1700000000.${String(sequence).padStart(6, '0')}`, message: args };
    case 'chat.update':
      return { channel: args.channel, ts: args.ts };
    case 'views.publish':
      return { view: { id: `V${sequence}`, ...(args.view as object) } };
    case 'conversations.open':
      return { channel: { id: `D${String(args.users ?? 'X').replace(/,/g, '')}` } };
    // A channel the bot is in, as `jitbot doctor` expects of the admin and approval channels.
    case 'conversations.info':
      return {
        channel: {
          id: args.channel,
          name: `channel-${String(args.channel).toLowerCase()}`,
          is_member: true,
          is_archived: false,
        },
      };
    default:
      return {};
  }
}

/** What Slack refuses in a views.publish: no user, not a home view, or more blocks than a view holds. */
function homeViewProblem(args: Record<string, unknown>): string | undefined {
  const view = args.view as { type?: unknown; blocks?: unknown } | undefined;
  if (typeof args.user_id !== 'string' || !/^[UW][A-Z0-9]+$/.test(args.user_id))
    return '[ERROR] missing user_id';
  if (view?.type !== 'home') return '[ERROR] view.type must be home';
  if (!Array.isArray(view.blocks) || view.blocks.length > 100)
    return '[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]';
  return undefined;
}

/** A local Slack Web API that records every call, for the real WebClient to talk to. */
export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const handlers = new Map<string, SlackMethodHandler>();
  const limits = new Map<string, { times: number; retryAfter: number }>();
  const failures: FailureRule[] = [];
  let scopes: readonly string[] | undefined = manifestBotScopes();
  const userFields = new Map<string, Record<string, unknown>>();
  const scopeHeader = (): Record<string, string> =>
    scopes === undefined ? {} : { 'x-oauth-scopes': scopes.join(',') };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const args = parseArgs(await readBody(req), req.headers['content-type']);
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? (args.token as string | undefined);
    const call = { method, args, token };
    calls.push(call);
    const limit = limits.get(method);
    if (limit && limit.times > 0) {
      limit.times -= 1;
      res.writeHead(429, { 'retry-after': String(limit.retryAfter), 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const rule = failures.find(
      (candidate) => candidate.method === method && candidate.times > 0 && candidate.match(args),
    );
    if (rule) {
      rule.times -= 1;
      res.writeHead(rule.failure.status, {
        'content-type': 'application/json',
        ...(rule.failure.retryAfter !== undefined ? { 'retry-after': String(rule.failure.retryAfter) } : {}),
      });
      res.end(JSON.stringify({ ok: false, error: rule.failure.error }));
      return;
    }
    const refusal = method === 'views.publish' ? homeViewProblem(args) : undefined;
    if (refusal) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ ok: false, error: 'invalid_arguments', response_metadata: { messages: [refusal] } }),
      );
      return;
    }
    const custom = handlers.get(method);
    let answer = custom ? await custom(args, call) : defaultAnswer(method, args, calls.length);
    const fields = method === 'users.info' ? userFields.get(String(args.user)) : undefined;
    if (fields) answer = { ...answer, user: { ...(answer.user as object), ...fields } };
    res.writeHead(200, { 'content-type': 'application/json', ...scopeHeader() });
    res.end(JSON.stringify({ ok: true, ...answer }));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    callsTo: (method) => calls.filter((call) => call.method === method),
    on: (method, handler) => handlers.set(method, handler),
    rateLimit: (method, times, retryAfterSeconds = 1) =>
      limits.set(method, { times, retryAfter: retryAfterSeconds }),
    fail: (method, match, failure, times = 1) => {
      failures.push({ method, match, failure, times });
    },
    setScopes: (granted) => {
      scopes = granted;
    },
    setUser: (userId, fields) => userFields.set(userId, fields),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
