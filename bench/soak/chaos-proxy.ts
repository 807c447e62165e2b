/**
 * The soak's fault layer: an HTTP proxy in front of one fake (AWS, Slack or Okta) for one replica
 * slot. It answers a share of the calls itself, in the service's own wire format, so the fake never
 * sees them; it delays AWS calls by 20-500 ms before passing them on; and it notes, for every call
 * it passed on, whether the answer got back to the replica that asked (a replica killed mid-call
 * never hears it). The fakes stay as they are.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { between, type Random, sleep } from './random.js';

export type ChaosService = 'aws' | 'slack' | 'okta';

/** How often each fault is injected, per call. */
export const FAULT_RATES = {
  awsThrottle: 0.2,
  slackRateLimited: 0.05,
  slackServerError: 0.05,
  oktaThrottle: 0.1,
} as const;

const AWS_LATENCY_MS = { min: 20, max: 500 } as const;

/** A call the proxy passed on to the fake, and how its answer went. */
export interface ProxiedCall {
  readonly service: ChaosService;
  readonly slot: string;
  readonly incarnation: number;
  /** The AWS action, Slack method or Okta method and path. */
  readonly what: string;
  /** The fake's id for the call (x-amzn-requestid, x-okta-request-id); none for Slack. */
  upstreamId?: string;
  /** For chat.postMessage: what the fake records of it (channel, thread, text), as one key. */
  readonly messageKey?: string;
  /** When the answer was fully written back to the replica; unset when it never was. */
  answeredAt?: number;
}

/** Faults injected, by kind (`aws Throttling`, `slack 429`, ...), and calls delayed. */
export class FaultTally {
  readonly counts = new Map<string, number>();
  delayed = 0;

  add(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  total(): number {
    return [...this.counts.values()].reduce((sum, count) => sum + count, 0);
  }
}

export interface ChaosProxyOptions {
  readonly service: ChaosService;
  /** The fake's base URL (scheme, host and port). */
  readonly upstream: string;
  readonly slot: string;
  /** Which start of the slot's replica is running now. */
  readonly incarnation: () => number;
  readonly random: Random;
  readonly tally: FaultTally;
  readonly log: ProxiedCall[];
  /**
   * One proxy for both replicas (Okta: the org URL is part of what a grant gave, so every replica
   * must name the same one). Each replica has its own token, which tells the sender; the fake is
   * given the one it knows.
   */
  readonly shared?: {
    readonly slotOf: (token: string) => string | undefined;
    readonly incarnationOf: (slot: string) => number;
    readonly upstreamToken: string;
  };
}

export interface ChaosProxy {
  readonly url: string;
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

/** What the fake Slack records of a call's arguments (its own parsing, repeated here). */
export function slackArgs(body: string, contentType: string | undefined): Record<string, unknown> {
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

/**
 * One posted message as the duplicate check compares them: where it went and all it showed (text
 * and blocks). Two purposes may share a text (the requester's status message and the decision
 * notice both say "approved"), never their blocks.
 */
export function messageKey(args: Record<string, unknown>): string {
  return JSON.stringify([
    String(args.channel ?? ''),
    String(args.thread_ts ?? ''),
    String(args.text ?? ''),
    JSON.stringify(args.blocks ?? null),
  ]);
}

/** The AWS action a call names: the Query protocol's Action, or Scheduler's REST verb and path. */
function awsAction(method: string, path: string, body: string): string {
  const action = new URLSearchParams(body).get('Action');
  if (action) return action;
  return `${method} ${path.replace(/\/[^/?]+(\?.*)?$/, '/{name}')}`;
}

/** AWS throttling as each protocol says it: Query XML (IAM, STS) or REST-JSON (Scheduler). */
function awsThrottle(path: string): { kind: string; answer: Answer } {
  const requestId = randomUUID();
  if (path.startsWith('/schedules') || path.startsWith('/schedule-groups')) {
    return {
      kind: 'aws ThrottlingException',
      answer: {
        status: 429,
        headers: {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ThrottlingException',
          'x-amzn-requestid': requestId,
        },
        body: JSON.stringify({ __type: 'ThrottlingException', Message: 'Rate exceeded' }),
      },
    };
  }
  return {
    kind: 'aws Throttling',
    answer: {
      status: 400,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    },
  };
}

function slackFault(random: Random): { kind: string; answer: Answer } | undefined {
  const roll = random();
  if (roll < FAULT_RATES.slackRateLimited)
    return {
      kind: 'slack 429',
      answer: {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: JSON.stringify({ ok: false, error: 'ratelimited' }),
      },
    };
  if (roll < FAULT_RATES.slackRateLimited + FAULT_RATES.slackServerError)
    return {
      kind: 'slack 500',
      answer: { status: 500, headers: { 'content-type': 'text/plain' }, body: 'Internal Server Error' },
    };
  return undefined;
}

/**
 * Okta's 429: its error body and the rate-limit headers, the window resetting at the next whole
 * second (X-Rate-Limit-Reset is in epoch seconds), as a per-second limit would.
 */
function oktaThrottle(): { kind: string; answer: Answer } {
  return {
    kind: 'okta 429',
    answer: {
      status: 429,
      headers: {
        'content-type': 'application/json',
        'x-okta-request-id': `soak-${randomUUID()}`,
        'x-rate-limit-limit': '600',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000)),
      },
      body: JSON.stringify({
        errorCode: 'E0000047',
        errorSummary: 'API call exceeded rate limit due to too many requests.',
        errorLink: 'E0000047',
        errorId: `oae${randomUUID().slice(0, 18)}`,
        errorCauses: [],
      }),
    },
  };
}

function forward(upstream: URL, incoming: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...incoming.headers, host: upstream.host };
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers,
      },
      (response) => {
        readBody(response).then((answer) => {
          const kept: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (
              value === undefined ||
              ['connection', 'transfer-encoding', 'content-length', 'keep-alive'].includes(name)
            )
              continue;
            kept[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: response.statusCode ?? 502, headers: kept, body: answer.toString('utf8') });
        }, reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Resolves with the time the answer was fully handed to the replica, or undefined if it never was. */
function answer(response: ServerResponse, reply: Answer): Promise<number | undefined> {
  return new Promise((resolve) => {
    response.on('finish', () => resolve(Date.now()));
    response.on('close', () => {
      if (!response.writableFinished) resolve(undefined);
    });
    if (response.destroyed) {
      resolve(undefined);
      return;
    }
    response.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
    response.end(reply.body);
  });
}

export async function startChaosProxy(options: ChaosProxyOptions): Promise<ChaosProxy> {
  const upstream = new URL(options.upstream);
  const { random, tally, log, service } = options;

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    let slot = options.slot;
    let incarnation = options.incarnation();
    if (options.shared) {
      const token = (incoming.headers.authorization ?? '').replace(/^SSWS /, '');
      slot = options.shared.slotOf(token) ?? slot;
      incarnation = options.shared.incarnationOf(slot);
      incoming.headers.authorization = `SSWS ${options.shared.upstreamToken}`;
    }
    const body = await readBody(incoming);
    const text = body.toString('utf8');
    const path = incoming.url ?? '/';
    const method = incoming.method ?? 'GET';
    let fault: { kind: string; answer: Answer } | undefined;
    if (service === 'aws') {
      // Latency is part of every AWS call, answered by AWS or refused by its throttle.
      await sleep(between(random, AWS_LATENCY_MS.min, AWS_LATENCY_MS.max));
      tally.delayed += 1;
      if (random() < FAULT_RATES.awsThrottle) fault = awsThrottle(path);
    } else if (service === 'slack') {
      fault = slackFault(random);
    } else if (random() < FAULT_RATES.oktaThrottle) {
      fault = oktaThrottle();
    }
    if (fault) {
      tally.add(fault.kind);
      await answer(response, fault.answer);
      return;
    }
    const slackMethod = service === 'slack' ? path.replace(/^\/api\//, '').split('?')[0] : undefined;
    const call: ProxiedCall = {
      service,
      slot,
      incarnation,
      what:
        service === 'aws'
          ? awsAction(method, path, text)
          : service === 'slack'
            ? (slackMethod ?? path)
            : `${method} ${path.split('?')[0]}`,
      ...(slackMethod === 'chat.postMessage'
        ? { messageKey: messageKey(slackArgs(text, incoming.headers['content-type'])) }
        : {}),
    };
    log.push(call);
    // Passed on even when the replica died meanwhile: a call on the wire still reaches the service.
    const reply = await forward(upstream, incoming, body);
    const id = reply.headers['x-amzn-requestid'] ?? reply.headers['x-okta-request-id'];
    if (id !== undefined) call.upstreamId = id;
    const answeredAt = await answer(response, reply);
    if (answeredAt !== undefined) call.answeredAt = answeredAt;
  }

  const server: Server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      if (!response.headersSent && !response.destroyed) {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`soak proxy: ${String(error)}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
