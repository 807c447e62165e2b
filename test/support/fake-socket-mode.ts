import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** What the app sent back for one envelope: its ack, with the ack's body when it gave one. */
export interface EnvelopeAck {
  readonly envelope_id: string;
  readonly payload?: Record<string, unknown>;
}

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface FakeSocketMode {
  /** What apps.connections.open answers: where the app opens its WebSocket. */
  readonly url: string;
  /** How many times an app has connected (a reconnect counts again). */
  readonly connections: number;
  /** How many connections are open now. */
  readonly open: number;
  /** Resolves once an app is connected and has been greeted with `hello`. */
  connected(): Promise<void>;
  /** Sends one envelope to the connected app, as Slack does; resolves with the app's ack. */
  deliver(type: EnvelopeType, payload: unknown): Promise<EnvelopeAck>;
  /** Cuts every open connection, as a network drop would; the app reconnects on its own. */
  dropConnections(): void;
  close(): Promise<void>;
}

const ACK_TIMEOUT_MS = 5000;

/**
 * Slack's side of Socket Mode over a real WebSocket: `hello` on connect, envelopes out, acks
 * (`{ envelope_id, payload }`) back. The app finds it through apps.connections.open.
 */
export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const pending = new Map<string, (ack: EnvelopeAck) => void>();
  let socket: WebSocket | undefined;
  let connections = 0;
  let sequence = 0;
  let onConnected: Array<() => void> = [];

  server.on('connection', (connection) => {
    socket = connection;
    connections += 1;
    connection.on('message', (data) => {
      const ack = JSON.parse(String(data)) as EnvelopeAck;
      pending.get(ack.envelope_id)?.(ack);
      pending.delete(ack.envelope_id);
    });
    connection.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake-socket-mode', approximate_connection_time: 3600 },
        connection_info: { app_id: 'AJITBOT' },
      }),
    );
    for (const resolve of onConnected) resolve();
    onConnected = [];
  });

  const isOpen = () => socket !== undefined && socket.readyState === socket.OPEN;
  const connected = () =>
    isOpen() ? Promise.resolve() : new Promise<void>((resolve) => onConnected.push(resolve));

  return {
    url: `ws://127.0.0.1:${port}/link`,
    get connections() {
      return connections;
    },
    get open() {
      return [...server.clients].filter((client) => client.readyState === client.OPEN).length;
    },
    connected,
    async deliver(type, payload) {
      await connected();
      sequence += 1;
      const envelopeId = `envelope-${sequence}`;
      const acked = new Promise<EnvelopeAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(envelopeId);
          reject(new Error(`the app did not ack ${type} envelope ${envelopeId} within ${ACK_TIMEOUT_MS} ms`));
        }, ACK_TIMEOUT_MS);
        pending.set(envelopeId, (ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
      });
      socket?.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          retry_attempt: 0,
          retry_reason: '',
        }),
      );
      return acked;
    },
    dropConnections() {
      for (const client of server.clients) client.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
