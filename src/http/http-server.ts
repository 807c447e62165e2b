import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { UserFacingError } from '../errors.js';
import type { Logger } from '../log/logger.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  readonly path: string;
  readonly methods: readonly string[];
  readonly handle: RouteHandler;
}

export interface HttpServer {
  /** Listens on `port` (and `host`, default every interface); a busy port is said in words. */
  listen(port: number, host?: string): Promise<void>;
  /** Stops accepting connections, lets requests in hand finish for up to `graceMs`, then cuts. */
  close(graceMs?: number): Promise<void>;
  /** The port actually listened on (for PORT=0 in tests). */
  port(): number | undefined;
  /** The address listened on: 127.0.0.1 for loopback only, :: or 0.0.0.0 for every interface. */
  host(): string | undefined;
}

export interface HttpServerOptions {
  readonly routes: readonly Route[];
  readonly logger: Logger;
  /** The words for a port something else already listens on. */
  readonly portInUse: (port: number) => string;
}

// Slack gives an answer 3 seconds; nothing jitbot serves needs a slow client's body for longer.
const REQUEST_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 5_000;

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The path of a request target, or undefined when it is not an origin-form path. `new URL('//')`
 * throws, and `//host/healthz` would parse as another host's path: both are refused, not guessed at.
 */
export function pathOf(target: string | undefined): string | undefined {
  if (!target?.startsWith('/') || target.startsWith('//')) return undefined;
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  // Only printable ASCII: a path with control or encoded bytes is no route of ours.
  return /^\/[\x21-\x7e]*$/.test(path) ? path : undefined;
}

/**
 * jitbot's own HTTP server, for /slack/events and the health checks (and, on its own port, the
 * metrics). A handler can never take the process down: whatever it throws or rejects is logged
 * and answered 500, and a malformed request line or path is answered 400 before any handler runs.
 */
export function createHttpServer({ routes, logger, portInUse }: HttpServerOptions): HttpServer {
  const byPath = new Map(routes.map((route) => [route.path, route]));

  function dispatch(req: IncomingMessage, res: ServerResponse): void {
    const path = pathOf(req.url);
    if (path === undefined) {
      sendText(res, 400, 'bad request path\n');
      return;
    }
    const route = byPath.get(path);
    if (!route) {
      sendText(res, 404, 'not found\n');
      return;
    }
    const method = req.method ?? '';
    if (!route.methods.includes(method)) {
      sendText(res, 405, 'method not allowed\n', { allow: route.methods.join(', ') });
      return;
    }
    Promise.resolve()
      .then(() => route.handle(req, res))
      .catch((error: unknown) => {
        logger.error({ err: error, method, path }, 'an HTTP handler failed; answered 500');
        if (res.headersSent) res.destroy();
        else sendText(res, 500, 'internal error\n');
      });
  }

  const server: Server = createServer((req, res) => {
    try {
      // Slack requests get their context from the delivery guard; nothing else here needs one.
      dispatch(req, res);
    } catch (error) {
      logger.error(
        { err: error, method: req.method },
        'an HTTP request could not be dispatched; answered 500',
      );
      sendText(res, 500, 'internal error\n');
    }
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  // A request line node cannot parse never reaches a handler: answer it here, quietly.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    logger.debug({ err: error }, 'malformed HTTP request refused');
    if (!socket.writable || socket.destroyed) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  });

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException) => {
          reject(
            error.code === 'EADDRINUSE' ? new UserFacingError('config_invalid', portInUse(port)) : error,
          );
        };
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          // Later listener errors must not be unhandled 'error' events, which end the process.
          server.on('error', (error) => logger.error({ err: error }, 'HTTP server error'));
          resolve();
        });
      });
    },
    async close(graceMs = 5_000) {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(cut);
    },
    port() {
      const address = server.address();
      return address && typeof address === 'object' ? address.port : undefined;
    },
    host() {
      const address = server.address();
      return address && typeof address === 'object' ? address.address : undefined;
    },
  };
}
