import { AsyncLocalStorage } from 'node:async_hooks';
import type { Agent } from 'node:http';
import { createRequire } from 'node:module';
import { Client, RequestExecutor } from '@okta/okta-sdk-nodejs';
import type { OktaSettings } from '../domain/catalog.js';
import { outboundProxy } from '../http/outbound-proxy.js';

/** The part of the SDK client jitbot uses (a narrow port, easy to fake). */
export type OktaApi = Pick<Client, 'userApi' | 'groupApi'>;

export interface OktaClientOptions {
  /** Tries per call when Okta answers 429, the first one included. */
  readonly maxAttempts?: number;
  /** The longest jitbot waits in-process for a rate-limit reset; a later reset fails at once (retryable). */
  readonly maxWaitMs?: number;
  /** Per HTTP request; a slower answer fails as a retryable timeout. */
  readonly requestTimeoutMs?: number;
}

// A wait stays well inside the job and revocation leases (120 s), even after three of them:
// a longer reset goes back to the durable retry, which waits it out without holding a lease.
const OKTA_CLIENT_DEFAULTS = { maxAttempts: 3, maxWaitMs: 20_000, requestTimeoutMs: 15_000 } as const;

const USER_AGENT = 'jitbot';
/** Okta's reset is a whole second on Okta's clock: a little slack so we do not retry just before it. */
const RESET_MARGIN_MS = 250;

/**
 * The Okta client for one org, configured from the catalog only. The SDK would otherwise merge in
 * ~/.okta/okta.yaml, ./okta.yaml and OKTA_CLIENT_* variables, so a stray file or variable on a
 * server could point jitbot at another org or token; and its GET cache would make isMember answer
 * from memory right after a grant (and differ between replicas), so it is switched off.
 */
export function createOktaClient(settings: OktaSettings, options: OktaClientOptions = {}): Client {
  const executor = new RateLimitedRequestExecutor({ ...OKTA_CLIENT_DEFAULTS, ...options });
  const client = withoutAmbientConfig(
    () =>
      new Client({
        orgUrl: settings.orgUrl,
        token: settings.token,
        authorizationMode: 'SSWS',
        // Empty on purpose: overrides any OKTA_CLIENT_CLIENTID/SCOPES/PRIVATEKEY/KEYID in the env.
        clientId: '',
        scopes: [],
        privateKey: '',
        keyId: '',
        requestExecutor: executor,
        cacheMiddleware: null,
      }),
  );
  // Belt and braces, in case a later SDK version reads its ambient config some other way.
  if (client.authorizationMode !== 'SSWS' || client.apiToken !== settings.token) {
    throw new Error('the Okta SDK did not take the API token from the catalog');
  }
  if (client.baseUrl !== settings.orgUrl.replace(/\/$/, '')) {
    throw new Error(`the Okta SDK did not take the org URL from the catalog (${settings.orgUrl})`);
  }
  client.http.defaultHeaders.Authorization = `SSWS ${settings.token}`;
  client.http.defaultHeaders['User-Agent'] = USER_AGENT;
  return client;
}

interface ConfigLoaderPrototype {
  applyDefaults: () => void;
  apply: (config: unknown) => void;
}

/**
 * Runs `build` with the SDK's ConfigLoader reading nothing but its built-in default (SSWS). The
 * loader is internal (src/config-loader.js), so it is found by path; the swap is synchronous and
 * restored at once, so nothing else can observe it.
 */
function withoutAmbientConfig<T>(build: () => T): T {
  const proto = configLoaderPrototype();
  if (!proto) return build();
  const original = proto.applyDefaults;
  proto.applyDefaults = function applyBuiltInDefaultsOnly(this: ConfigLoaderPrototype) {
    this.apply({ client: { authorizationMode: 'SSWS' } });
  };
  try {
    return build();
  } finally {
    proto.applyDefaults = original;
  }
}

function configLoaderPrototype(): ConfigLoaderPrototype | undefined {
  const require = createRequire(import.meta.url);
  let loaded: unknown;
  try {
    loaded = require('@okta/okta-sdk-nodejs/src/config-loader.js');
  } catch {
    return undefined;
  }
  if (typeof loaded !== 'object' || loaded === null || !('ConfigLoader' in loaded)) return undefined;
  const ctor = loaded.ConfigLoader;
  if (typeof ctor !== 'function') return undefined;
  const proto: unknown = ctor.prototype;
  if (typeof proto !== 'object' || proto === null) return undefined;
  if (!('applyDefaults' in proto) || !('apply' in proto) || typeof proto.applyDefaults !== 'function') {
    return undefined;
  }
  // Checked just above: an object with applyDefaults and apply methods.
  return proto as ConfigLoaderPrototype;
}

/** Where the executor leaves the X-Okta-Request-Id of the last answer, for the call running. */
const lastRequestId = new AsyncLocalStorage<{ id?: string }>();

/**
 * Runs SDK calls and gives back Okta's request id of the last answer they got. The SDK shows
 * response headers only on errors; the audit log wants the id of successful changes too, so that
 * Okta's System Log entry for each of jitbot's changes can be found.
 */
export async function withOktaRequestId<R>(
  run: () => Promise<R>,
): Promise<{ readonly result: R; readonly requestId: string | undefined }> {
  const holder: { id?: string } = {};
  const result = await lastRequestId.run(holder, run);
  return { result, requestId: holder.id };
}

/** What node-fetch (used by the SDK) takes and gives, as far as this module touches it. */
interface FetchRequest {
  /** node-fetch 2 takes a function of the URL, so one value serves http:// and https://. */
  agent?: unknown;
  timeout?: number;
}
interface FetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * Our own 429 handling instead of the SDK's: the SDK waits as long as the reset says (no bound)
 * and, with a request timeout, fails with an error that no longer says it was a 429. Here a reset
 * within `maxWaitMs` is waited out; otherwise, or after `maxAttempts`, the 429 goes back to the
 * SDK, which throws it as an OktaApiError with its headers (see okta-errors.ts for retryAfterMs).
 */
class RateLimitedRequestExecutor extends RequestExecutor {
  readonly #options: Required<OktaClientOptions>;
  readonly #agent: ((url: URL) => Agent) | undefined;

  constructor(options: Required<OktaClientOptions>) {
    super();
    this.#options = options;
    this.#agent = proxiedAgent();
  }

  override async fetch(request: FetchRequest): Promise<FetchResponse> {
    // The SDK puts in an agent of its own, for an HTTPS_PROXY it reads from the environment and
    // with no NO_PROXY: replaced by jitbot's (same variables, read once, NO_PROXY honoured), or
    // removed when there is no proxy.
    if (this.#agent) request.agent = this.#agent;
    else delete request.agent;
    request.timeout = this.#options.requestTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      const response: FetchResponse = await super.fetch(request);
      const requestId = response.headers.get('x-okta-request-id');
      const holder = lastRequestId.getStore();
      if (holder && requestId) holder.id = requestId;
      if (response.status !== 429 || attempt >= this.#options.maxAttempts) return response;
      const waitMs = rateLimitWaitMs(response.headers.get('x-rate-limit-reset'), Date.now());
      if (waitMs === undefined || waitMs > this.#options.maxWaitMs) return response;
      await response.text(); // frees the connection while we wait
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/** Through the outbound proxy, when there is one: kept-alive agents for the client's life. */
function proxiedAgent(): ((url: URL) => Agent) | undefined {
  const proxy = outboundProxy();
  if (!proxy.proxied) return undefined;
  const { httpAgent, httpsAgent } = proxy.nodeAgents();
  return (url) => (url.protocol === 'http:' ? httpAgent : httpsAgent);
}

/** How long until Okta's X-Rate-Limit-Reset (epoch seconds); undefined when absent or garbled. */
export function rateLimitWaitMs(resetHeader: string | null | undefined, nowMs: number): number | undefined {
  if (!resetHeader) return undefined;
  // Okta has sent the header twice (comma-joined) before: the first value is the one to use.
  const seconds = Number.parseInt(resetHeader.split(',')[0] ?? '', 10);
  if (!Number.isFinite(seconds)) return undefined;
  return Math.max(0, seconds * 1000 - nowMs) + RESET_MARGIN_MS;
}
