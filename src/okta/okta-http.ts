import { AsyncLocalStorage } from 'node:async_hooks';
import { field } from '../errors.js';
import { outboundProxy } from '../http/outbound-proxy.js';

/*
 * HTTP to Okta's management API: one org, one SSWS token, JSON answers. What it adds to fetch is
 * what jitbot needs of every call: a bounded wait on 429s, a timeout per request, Okta's request
 * id for the audit log, Link rel="next" pages, and errors that say what happened without the token.
 */

export interface OktaHttpOptions {
  /** Tries per call when Okta answers 429, the first one included. */
  readonly maxAttempts: number;
  /** The longest to wait in-process for a rate-limit reset; a later reset fails at once (retryable). */
  readonly maxWaitMs: number;
  /** Per HTTP request, the answer's body included; a slower answer fails as a retryable timeout. */
  readonly requestTimeoutMs: number;
}

export type OktaMethod = 'GET' | 'PUT' | 'DELETE';

export interface OktaHeaders {
  get(name: string): string | null;
}

/** Okta answered with an error (or a redirect, which jitbot does not follow). */
export class OktaApiError extends Error {
  override readonly name = 'OktaApiError';
  constructor(
    readonly status: number,
    readonly errorCode: string | undefined,
    /** Okta's errorSummary, then its errorCauses' summaries; empty when the body had none. */
    readonly errorSummary: string,
    /** The answer's headers: X-Okta-Request-Id, X-Rate-Limit-Reset, Location. */
    readonly headers: OktaHeaders,
    call: string,
  ) {
    const code = errorCode === undefined ? '' : ` ${errorCode}`;
    super(`Okta answered ${call} with HTTP ${status}${code}${errorSummary ? `: ${errorSummary}` : ''}`);
  }
}

/** No answer: the connection failed (refused, reset, DNS, TLS, the proxy) or Okta took too long. */
export class OktaConnectionError extends Error {
  override readonly name = 'OktaConnectionError';
  constructor(
    readonly failure: 'unreachable' | 'timeout',
    message: string,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

export interface OktaHttp {
  /** One call; the answer's JSON, or undefined when it has no body (204). */
  call(method: OktaMethod, path: string): Promise<unknown>;
  /** Every item of a listing, fetching the next page only when the reader gets that far. */
  pages(path: string): AsyncGenerator<unknown, void, undefined>;
}

interface Answer {
  readonly status: number;
  readonly headers: OktaHeaders;
  readonly body: string;
}

/** What both the global fetch and the outbound proxy's take and give, as far as this module goes. */
type Fetch = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    redirect: 'manual';
    signal: AbortSignal;
  },
) => Promise<{ readonly status: number; readonly headers: OktaHeaders; text(): Promise<string> }>;

const USER_AGENT = 'jitbot';
/** Okta's reset is a whole second on Okta's clock: a little slack so we do not retry just before it. */
const RESET_MARGIN_MS = 250;

/** Where each answer leaves its X-Okta-Request-Id, for the call running. */
const lastRequestId = new AsyncLocalStorage<{ id?: string }>();

/**
 * Runs Okta calls and gives back Okta's request id of the last answer they got, successful or
 * not: the audit log keeps it so that Okta's System Log entry of each change can be found.
 */
export async function withOktaRequestId<R>(
  run: () => Promise<R>,
): Promise<{ readonly result: R; readonly requestId: string | undefined }> {
  const holder: { id?: string } = {};
  const result = await lastRequestId.run(holder, run);
  return { result, requestId: holder.id };
}

/** How long until Okta's X-Rate-Limit-Reset (epoch seconds); undefined when absent or garbled. */
export function rateLimitWaitMs(resetHeader: string | null | undefined, nowMs: number): number | undefined {
  if (!resetHeader) return undefined;
  // Okta has sent the header twice (comma-joined) before: the first value is the one to use.
  const seconds = Number.parseInt(resetHeader.split(',')[0] ?? '', 10);
  if (!Number.isFinite(seconds)) return undefined;
  return Math.max(0, seconds * 1000 - nowMs) + RESET_MARGIN_MS;
}

/** The URL of Okta's `Link: <...>; rel="next"`, resolved against the page it came with. */
export function nextLink(link: string | null, pageUrl: string): string | undefined {
  if (!link) return undefined;
  for (const [, href = '', params = ''] of link.matchAll(/<([^>]*)>([^<]*)/g)) {
    const rel = /\brel\s*=\s*"?([^";,]*)"?/i.exec(params)?.[1] ?? '';
    if (rel.toLowerCase().split(/\s+/).includes('next')) return new URL(href, pageUrl).href;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** errorSummary, then the summaries of errorCauses (which say which field or rule failed). */
function summaryOf(body: unknown): string {
  const causes = field(body, 'errorCauses');
  const details = Array.isArray(causes) ? causes.map((cause) => textOf(field(cause, 'errorSummary'))) : [];
  return [textOf(field(body, 'errorSummary')), ...details].filter((part) => part !== undefined).join('; ');
}

/** The cause's code (ECONNREFUSED, UND_ERR_SOCKET), which says more than fetch's "fetch failed". */
function reasonOf(error: unknown): string {
  const cause = field(error, 'cause') ?? error;
  return textOf(field(cause, 'code')) ?? textOf(field(cause, 'message')) ?? 'no details';
}

/**
 * The client of one org. The token goes only to `orgUrl`: redirects are not followed (an answer
 * like any other, which fails), and a next page is asked of the org even when Okta's link names
 * another host (the cursor is all jitbot takes from it).
 */
export function createOktaHttp(orgUrl: string, token: string, options: OktaHttpOptions): OktaHttp {
  const base = orgUrl.replace(/\/+$/, '');
  const proxy = outboundProxy();
  // The proxy's undici fetch honours NO_PROXY; without a proxy, node's own fetch.
  const fetch: Fetch = proxy.fetch ?? globalThis.fetch;
  const headers = {
    Authorization: `SSWS ${token}`,
    Accept: 'application/json',
    'User-Agent': USER_AGENT,
  };
  // Belt and braces: Okta does not echo the token, but nothing it says reaches an error unscrubbed.
  const scrub = (text: string) => (token ? text.split(token).join('[redacted]') : text);
  const describe = (method: OktaMethod, url: string) => {
    const { pathname, search } = new URL(url);
    return `${method} ${pathname}${search}`;
  };
  /** The link's path and query, on the org: the token is never sent where a link points. */
  const onOrg = (link: string) => {
    const { pathname, search } = new URL(link);
    return new URL(`${pathname}${search}`, base).href;
  };

  async function exchange(method: OktaMethod, url: string): Promise<Answer> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.requestTimeoutMs);
    try {
      const response = await fetch(url, { method, headers, redirect: 'manual', signal: controller.signal });
      return { status: response.status, headers: response.headers, body: await response.text() };
    } catch (error) {
      const call = describe(method, url);
      if (controller.signal.aborted) {
        throw new OktaConnectionError(
          'timeout',
          `Okta did not answer ${call} within ${options.requestTimeoutMs} ms`,
          error,
        );
      }
      throw new OktaConnectionError(
        'unreachable',
        scrub(`could not reach Okta for ${call}: ${reasonOf(error)}`),
        error,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One request, a 429 waited out when Okta's reset is within `maxWaitMs`; otherwise, or after
   * `maxAttempts`, the 429 is the answer (and becomes an error carrying the reset, for the
   * durable retry to wait it out without holding a lease).
   */
  async function send(method: OktaMethod, url: string): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      const answer = await exchange(method, url);
      const requestId = answer.headers.get('x-okta-request-id');
      const holder = lastRequestId.getStore();
      if (holder && requestId) holder.id = requestId;
      if (answer.status !== 429 || attempt >= options.maxAttempts) return answer;
      const waitMs = rateLimitWaitMs(answer.headers.get('x-rate-limit-reset'), Date.now());
      if (waitMs === undefined || waitMs > options.maxWaitMs) return answer;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  /** The JSON of a 2xx answer (undefined when empty); any other status as an OktaApiError. */
  function read(answer: Answer, method: OktaMethod, url: string): unknown {
    const body = answer.body === '' ? undefined : parseJson(answer.body);
    if (answer.status >= 300 || answer.status < 200) {
      const errorCode = textOf(field(body, 'errorCode'));
      const summary = scrub(summaryOf(body));
      throw new OktaApiError(answer.status, errorCode, summary, answer.headers, describe(method, url));
    }
    if (answer.body !== '' && body === undefined) {
      throw new Error(
        `Okta answered ${describe(method, url)} with something that is not JSON: check that the orgUrl in the catalog is the Okta org`,
      );
    }
    return body;
  }

  return {
    async call(method, path) {
      const url = `${base}${path}`;
      return read(await send(method, url), method, url);
    },

    async *pages(path) {
      const seen = new Set<string>();
      let url: string | undefined = new URL(`${base}${path}`).href;
      while (url !== undefined) {
        seen.add(url);
        const answer = await send('GET', url);
        const items = read(answer, 'GET', url);
        if (!Array.isArray(items)) {
          throw new Error(`Okta answered ${describe('GET', url)} with something that is not a list`);
        }
        const link = nextLink(answer.headers.get('link'), url);
        const next = link === undefined ? undefined : onOrg(link);
        if (next !== undefined && seen.has(next)) {
          throw new Error(`Okta's next page of ${describe('GET', url)} is one already read`);
        }
        yield* items;
        url = next;
      }
    },
  };
}
