import { App, type Receiver, SocketModeReceiver } from '@slack/bolt';
import type { Env } from '../config/env.js';
import type { Route } from '../http/http-server.js';
import { outboundProxy } from '../http/outbound-proxy.js';
import type { Logger } from '../log/logger.js';
import { boltLogger } from './bolt-logger.js';
import type { BotIdentity } from './bot-identity.js';
import { proxiedFetch } from './clients.js';
import { registerDeliveryGuard } from './delivery-guard.js';
import { type FirstDelivery, ReplayedRequestError, SlackHttpReceiver } from './http-receiver.js';
import { SLACK_EVENTS_PATH } from './ids.js';

export interface SlackAppOptions {
  readonly env: Env;
  readonly logger: Logger;
  readonly identity: BotIdentity;
  /** Records a delivery key (signature, event id) in the database; false when seen before. */
  readonly firstDelivery: FirstDelivery;
}

/**
 * Over HTTP, jitbot's own receiver behind jitbot's own server. In Socket Mode, Bolt's receiver for
 * the WebSocket only: it is given no routes, so it opens no HTTP server of its own (its handler
 * for them could crash the process on a malformed path); jitbot's server answers the health checks.
 */
function createReceiver({ env, logger, firstDelivery }: SlackAppOptions): Receiver {
  if (env.SLACK_APP_TOKEN) {
    // Only through a proxy: Socket Mode's own dispatcher is the one that can close a stalled socket.
    const { dispatcher } = outboundProxy();
    return new SocketModeReceiver({
      appToken: env.SLACK_APP_TOKEN,
      logger: boltLogger(logger),
      // The WebSocket and apps.connections.open both go through it.
      ...(dispatcher ? { dispatcher } : {}),
      // The connection is opened through SLACK_API_URL too (apps.connections.open), like every call.
      ...(env.SLACK_API_URL
        ? { installerOptions: { clientOptions: { slackApiUrl: env.SLACK_API_URL } } }
        : {}),
    });
  }
  return new SlackHttpReceiver({ signingSecret: env.SLACK_SIGNING_SECRET, logger, firstDelivery });
}

export interface SlackApp {
  readonly app: App;
  /** POST /slack/events for jitbot's HTTP server; none in Socket Mode. */
  readonly routes: Route[];
  /** Over HTTP: listening on PORT. In Socket Mode: connecting in the background, retrying. */
  start(): Promise<void>;
  /** Stops taking requests: closes the HTTP server, or the Socket Mode connection. */
  stop(): Promise<void>;
  /** In Socket Mode, why no request can arrive now (the WebSocket is down); undefined otherwise. */
  connectionProblem(): string | undefined;
}

/** Whether Socket Mode's WebSocket is open now, from the client's own state events. */
function trackConnection(receiver: SocketModeReceiver): () => boolean {
  let open = false;
  const { client } = receiver;
  client.on('connected', () => {
    open = true;
  });
  for (const event of ['close', 'connecting', 'reconnecting', 'disconnecting', 'disconnected'])
    client.on(event, () => {
      open = false;
    });
  return () => open;
}

export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { env, logger, identity } = options;
  const receiver = createReceiver(options);
  const app = new App({
    receiver,
    authorize: identity.authorize,
    // jitbot keeps its state in PostgreSQL; Bolt's in-memory conversation store would only cost
    // time on every request and memory on every replica.
    convoStore: false,
    logger: boltLogger(logger),
    clientOptions: {
      ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
      // The listeners' client, and respond() to a response_url.
      ...proxiedFetch(),
      // Listener calls sit on the interactive path: a rate-limited call must fail fast, never queue.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    },
  });
  // Listeners answer their own failures; whatever still escapes one lands here, logged once.
  app.error(async (error) => {
    // The replay was logged where it was found; the listener stopping is the refusal working.
    if (error.original instanceof ReplayedRequestError) return;
    logger.error({ err: error.original ?? error, code: error.code }, 'a Slack listener failed');
  });
  registerDeliveryGuard(app, { teamId: identity.teamId, firstDelivery: options.firstDelivery, logger });

  const connected = receiver instanceof SocketModeReceiver ? trackConnection(receiver) : () => true;
  let stopping = false;
  const stop = () =>
    app.stop().catch((error: unknown) => logger.warn({ err: error }, 'Slack receiver did not stop cleanly'));
  return {
    app,
    routes:
      receiver instanceof SlackHttpReceiver
        ? [{ path: SLACK_EVENTS_PATH, methods: ['POST'], handle: (req, res) => receiver.handle(req, res) }]
        : [],
    async start() {
      if (receiver instanceof SocketModeReceiver) {
        // Socket Mode keeps reconnecting until Slack answers; health routes are up meanwhile.
        app.start().then(
          async () => {
            // A stop while apps.connections.open was in flight finds no socket to close, and
            // the socket opens anyway: close it, or a stopped service would take envelopes.
            if (stopping) return receiver.client.disconnect();
            logger.info('connected to Slack over Socket Mode');
          },
          (error: unknown) => {
            // A stop during the handshake ends start() with a rejection: that is the stop, not a failure.
            if (!stopping) logger.error({ err: error }, 'Socket Mode connection failed');
          },
        );
        return;
      }
      await app.start();
    },
    async stop() {
      stopping = true;
      await stop();
    },
    connectionProblem: () =>
      connected() ? undefined : 'the Socket Mode connection to Slack is down: jitbot is reconnecting',
  };
}
