import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that can be "frozen": it stops passing bytes either way but
 * keeps every socket open, as a server stopped with SIGSTOP (or a silent network partition)
 * would. The client sees no error and no close: only its own timeouts can end the wait. Thawed,
 * everything held back flows again. The shared test server itself is never stopped.
 */
export interface FreezableProxy {
  /** Where to connect instead of the server: 127.0.0.1 and this port. */
  readonly port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/** Where the real server listens: a TCP host and port, or a Unix socket directory (host starting with /). */
export interface Upstream {
  readonly host: string;
  readonly port: number;
}

function connectUpstream(upstream: Upstream): Socket {
  return upstream.host.startsWith('/')
    ? createConnection({ path: `${upstream.host}/.s.PGSQL.${upstream.port}` })
    : createConnection({ host: upstream.host, port: upstream.port });
}

export async function startFreezableProxy(upstream: Upstream): Promise<FreezableProxy> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A socket that is reset while frozen or closing must not crash the test run.
    socket.on('error', () => socket.destroy());
    if (frozen) socket.pause();
  };
  const server: Server = createServer((client) => {
    const server = connectUpstream(upstream);
    track(client);
    track(server);
    client.on('data', (chunk) => server.write(chunk));
    server.on('data', (chunk) => client.write(chunk));
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port');
  return {
    port: address.port,
    freeze() {
      frozen = true;
      // A paused socket reads nothing: what the peer sends waits in the kernel, unanswered.
      for (const socket of sockets) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
