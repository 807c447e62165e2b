import { createServer, type IncomingMessage, request } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** One request the proxy let through: a CONNECT tunnel, or an absolute-form request it forwarded. */
export interface ProxiedRequest {
  /** CONNECT, or the forwarded request's method. */
  readonly method: string;
  /** `host:port` as the client named it. */
  readonly target: string;
}

export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`, with the credentials in it when the proxy requires them. */
  readonly url: string;
  /** `http://127.0.0.1:<port>` without credentials. */
  readonly bareUrl: string;
  /** Everything let through, in order. */
  readonly passed: readonly ProxiedRequest[];
  /** Requests refused for missing or wrong Proxy-Authorization. */
  readonly refused: readonly ProxiedRequest[];
  /** The distinct `host:port` targets let through. */
  targets(): Set<string>;
  close(): Promise<void>;
}

export interface ConnectProxyOptions {
  /** Basic credentials every request must carry in Proxy-Authorization. */
  readonly credentials?: { readonly user: string; readonly password: string };
  /**
   * The address the proxy connects to for a host name; default the name itself. Lets a test name
   * its fakes by hosts only the proxy can resolve, so a request that skips the proxy fails.
   */
  readonly resolve?: (host: string) => string;
}

/** `host:port`, `[v6]:port` -> host (without brackets) and port. */
function splitTarget(target: string): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(target);
  if (!match) return undefined;
  return { host: match[1] ?? '', port: Number(match[2]) };
}

/**
 * A forward proxy in the test process: CONNECT tunnels (what undici and https-proxy-agent use) and
 * absolute-form requests (`GET http://host:port/path`), each recorded, optionally behind Basic auth.
 */
export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const passed: ProxiedRequest[] = [];
  const refused: ProxiedRequest[] = [];
  const sockets = new Set<Socket | Duplex>();
  const track = <S extends Socket | Duplex>(socket: S): S => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };
  const resolve = options.resolve ?? ((host: string) => host);
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`
    : undefined;
  const allowed = (req: IncomingMessage, seen: ProxiedRequest) => {
    if (expected === undefined || req.headers['proxy-authorization'] === expected) {
      passed.push(seen);
      return true;
    }
    refused.push(seen);
    return false;
  };

  const server = createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('a proxy takes absolute-form requests only');
      return;
    }
    if (!allowed(req, { method: req.method ?? 'GET', target: target.host })) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = request(
      {
        host: resolve(target.hostname.replace(/^\[|\]$/g, '')),
        port: Number(target.port || 80),
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => track(socket));
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const seen = { method: 'CONNECT', target: req.url ?? '' };
    const where = splitTarget(seen.target);
    if (!allowed(req, seen)) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n',
      );
      return;
    }
    if (!where) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const upstream = track(connect(where.port, resolve(where.host)));
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  const bareUrl = `http://127.0.0.1:${port}`;
  const credentials = options.credentials
    ? `${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.password)}@`
    : '';
  return {
    url: `http://${credentials}127.0.0.1:${port}`,
    bareUrl,
    passed,
    refused,
    targets: () => new Set(passed.map((seen) => seen.target)),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
