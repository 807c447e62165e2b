import { type ClientRequest, Agent as HttpAgent, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIPv6 } from 'node:net';
import type { FetchFunction } from '@slack/web-api';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { type Dispatcher, EnvHttpProxyAgent, type RequestInit, fetch as undiciFetch } from 'undici';
import type { Env } from '../config/env.js';

/*
 * Every HTTP connection jitbot opens (Slack's Web API and Socket Mode, AWS, Okta) goes through
 * the proxy HTTPS_PROXY / HTTP_PROXY name, except to the hosts NO_PROXY lists. The variables
 * are read once, from the parsed environment; nothing here reads process.env. Without a proxy
 * every client keeps exactly the agents it had before.
 *
 * Two libraries do the work: undici's EnvHttpProxyAgent for fetch and the WebSocket (the
 * WebClient, Socket Mode and the Okta client use undici), and https-proxy-agent for node's http(s)
 * clients (the AWS SDK, views.open). Both tunnel with CONNECT, http:// targets too, so a proxy
 * sees which host each connection is for but, for https://, none of what is said on it. The
 * NO_PROXY rule below is undici's, so both agree on which hosts go direct.
 */

export type ProxyVariables = Partial<
  Pick<Env, 'HTTPS_PROXY' | 'https_proxy' | 'HTTP_PROXY' | 'http_proxy' | 'NO_PROXY' | 'no_proxy'>
>;

export interface ProxySettings {
  /** For https:// (and wss://) targets: HTTPS_PROXY, else HTTP_PROXY (as undici does). */
  readonly httpsProxy: URL | undefined;
  /** For http:// (and ws://) targets. */
  readonly httpProxy: URL | undefined;
  /** NO_PROXY's entries: `host`, `.domain` or `*.domain` (the domain and its subdomains), `host:port`; `*` for all. */
  readonly noProxy: readonly string[];
}

/** Lower case wins where both are set, as in curl and undici. Undefined: no proxy at all. */
export function proxySettingsOf(env: ProxyVariables): ProxySettings | undefined {
  const http = env.http_proxy ?? env.HTTP_PROXY;
  const https = env.https_proxy ?? env.HTTPS_PROXY ?? http;
  if (http === undefined && https === undefined) return undefined;
  const entries = (env.no_proxy ?? env.NO_PROXY ?? '')
    .split(/[,\s]+/)
    .filter((entry) => entry !== '')
    // undici reads a bare IPv6 address's last group as a port; brackets keep it whole.
    .map((entry) => (isIPv6(entry) ? `[${entry}]` : entry.toLowerCase()));
  return {
    httpsProxy: https === undefined ? undefined : new URL(https),
    httpProxy: http === undefined ? undefined : new URL(http),
    // undici takes `*` only as the whole value.
    noProxy: entries.includes('*') ? ['*'] : entries,
  };
}

/** A proxy URL fit for a log line: scheme, host and port; a user and password are never shown. */
export function describeProxyUrl(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/** The start-up line: where outbound HTTP goes, without credentials. */
export function describeProxySettings(settings: ProxySettings): string {
  const https = settings.httpsProxy && describeProxyUrl(settings.httpsProxy);
  const http = settings.httpProxy && describeProxyUrl(settings.httpProxy);
  const where =
    http === undefined
      ? `to https:// hosts through proxy ${https}, to http:// hosts directly`
      : https === http
        ? `through proxy ${https}`
        : `to https:// hosts through proxy ${https}, to http:// hosts through proxy ${http}`;
  const except = settings.noProxy.length > 0 ? settings.noProxy.join(', ') : 'none';
  return `outbound HTTP goes ${where} (NO_PROXY: ${except})`;
}

/**
 * NO_PROXY entries that look like CIDR ranges (10.0.0.0/8): neither undici nor the agents match
 * ranges, so those addresses would go through the proxy. Worth a warning, not a refusal: the same
 * variable often serves other programs that do read ranges.
 */
export function noProxyWarnings(settings: ProxySettings): string[] {
  const ranges = settings.noProxy.filter((entry) => entry.includes('/'));
  if (ranges.length === 0) return [];
  return [
    `NO_PROXY lists ${ranges.join(', ')}, but jitbot matches host names and addresses, not ranges: ` +
      'connections to those addresses go through the proxy. List the hosts themselves to reach them directly.',
  ];
}

/** Whether a connection to `host`:`port` goes direct: undici's NO_PROXY rule, to the letter. */
export function bypassesProxy(noProxy: readonly string[], host: string, port: number): boolean {
  if (noProxy.length === 1 && noProxy[0] === '*') return true;
  const hostname = (isIPv6(host) ? `[${host}]` : host).toLowerCase();
  return noProxy.some((entry) => {
    const parsed = /^(.+):(\d+)$/.exec(entry);
    const entryPort = parsed ? Number.parseInt(parsed[2] ?? '', 10) : 0;
    if (entryPort !== 0 && entryPort !== port) return false;
    const entryHost = (parsed ? (parsed[1] ?? '') : entry).replace(/^\*?\./, '');
    return hostname === entryHost || hostname.endsWith(`.${entryHost}`);
  });
}

export interface NodeAgents {
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
}

export interface OutboundProxy {
  /** Whether a proxy is configured; false: every client connects directly, as it always did. */
  readonly proxied: boolean;
  /** For the start-up log: where outbound HTTP goes, credentials removed; undefined when direct. */
  readonly description: string | undefined;
  /** Parts of NO_PROXY that will not do what they seem to (see noProxyWarnings). */
  readonly warnings: readonly string[];
  /** Kept-alive agents for node's http and https clients: new ones each call, destroyed by the caller. */
  nodeAgents(): NodeAgents;
  /** For WebClient's `fetch`; undefined when direct (its default, the global fetch). */
  readonly fetch: FetchFunction | undefined;
  /** For Socket Mode (its WebSocket and apps.connections.open); undefined when direct (its own). */
  readonly dispatcher: Dispatcher | undefined;
  /**
   * At shutdown, after the clients stopped: ends the connections of `fetch` and `dispatcher`, and
   * any request still on them, so none holds the process open. The node agents are their callers'.
   */
  close(): Promise<void>;
}

/** node's Agent API, which @types/node leaves out: how a ClientRequest asks its agent for a socket. */
interface SocketSource {
  addRequest(request: ClientRequest, options: RequestOptions): void;
}

interface Routes {
  readonly direct: HttpAgent;
  /** The direct agent again when no proxy serves this scheme. */
  readonly proxied: HttpAgent;
  readonly noProxy: readonly string[];
  readonly defaultPort: number;
}

function route(routes: Routes, request: ClientRequest, options: RequestOptions): void {
  const host = options.host ?? options.hostname ?? 'localhost';
  const port = options.port ? Number(options.port) : routes.defaultPort;
  const agent = bypassesProxy(routes.noProxy, host, port) ? routes.direct : routes.proxied;
  (agent as unknown as SocketSource).addRequest(request, options);
}

function destroyRoutes(routes: Routes): void {
  routes.direct.destroy();
  routes.proxied.destroy();
}

/**
 * An agent that hands each request to the proxy's agent or to a direct one, by NO_PROXY. It owns
 * no sockets itself: each keeps its own pool. A subclass of the scheme's Agent, so node and the
 * AWS SDK take it where they take that Agent.
 */
class RoutingHttpAgent extends HttpAgent {
  readonly #routes: Routes;
  constructor(routes: Routes) {
    super({ keepAlive: true });
    this.#routes = routes;
  }
  addRequest(request: ClientRequest, options: RequestOptions): void {
    route(this.#routes, request, options);
  }
  override destroy(): void {
    destroyRoutes(this.#routes);
    super.destroy();
  }
}

class RoutingHttpsAgent extends HttpsAgent {
  readonly #routes: Routes;
  constructor(routes: Routes) {
    super({ keepAlive: true });
    this.#routes = routes;
  }
  addRequest(request: ClientRequest, options: RequestOptions): void {
    route(this.#routes, request, options);
  }
  override destroy(): void {
    destroyRoutes(this.#routes);
    super.destroy();
  }
}

function directAgents(): NodeAgents {
  return { httpAgent: new HttpAgent({ keepAlive: true }), httpsAgent: new HttpsAgent({ keepAlive: true }) };
}

const DIRECT: OutboundProxy = {
  proxied: false,
  description: undefined,
  warnings: [],
  nodeAgents: directAgents,
  fetch: undefined,
  dispatcher: undefined,
  close: async () => undefined,
};

export function createOutboundProxy(settings: ProxySettings | undefined): OutboundProxy {
  if (settings === undefined) return DIRECT;
  const { httpProxy, httpsProxy, noProxy } = settings;
  // Given explicitly (empty for none), so undici never falls back to process.env.
  const dispatcher = new EnvHttpProxyAgent({
    httpProxy: httpProxy?.href ?? '',
    httpsProxy: httpsProxy?.href ?? '',
    noProxy: noProxy.join(','),
  });
  // undici's own fetch: the dispatcher is undici's, which the global fetch of another undici may not
  // take. The cast is for the body's FormData type, which differs between the two: only file
  // uploads send one, and jitbot uploads no files.
  const fetch = ((url, init) => undiciFetch(url, { ...init, dispatcher } as RequestInit)) as FetchFunction;
  const viaProxy = (proxy: URL | undefined, direct: HttpAgent): HttpAgent =>
    proxy === undefined ? direct : new HttpsProxyAgent(proxy, { keepAlive: true });
  return {
    proxied: true,
    description: describeProxySettings(settings),
    warnings: noProxyWarnings(settings),
    nodeAgents() {
      const direct = directAgents();
      return {
        httpAgent: new RoutingHttpAgent({
          direct: direct.httpAgent,
          proxied: viaProxy(httpProxy, direct.httpAgent),
          noProxy,
          defaultPort: 80,
        }),
        httpsAgent: new RoutingHttpsAgent({
          direct: direct.httpsAgent,
          proxied: viaProxy(httpsProxy, direct.httpsAgent),
          noProxy,
          defaultPort: 443,
        }),
      };
    },
    fetch,
    dispatcher,
    close: () => dispatcher.destroy(),
  };
}

let current: OutboundProxy = DIRECT;

/**
 * Sets the proxy every client made from now on uses, from the parsed environment; called once by
 * each command that reaches out (serve, doctor, reconcile), before it makes a client. Clients keep
 * the proxy they were made with.
 */
export function useOutboundProxy(env: ProxyVariables): OutboundProxy {
  current = createOutboundProxy(proxySettingsOf(env));
  return current;
}

/** The proxy set by useOutboundProxy; direct connections until then. */
export function outboundProxy(): OutboundProxy {
  return current;
}
