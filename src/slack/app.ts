import { createServer } from 'node:net';
import { App, type CustomRoute, HTTPReceiver, type Receiver, SocketModeReceiver } from '@slack/bolt';
import type { Env } from '../config/env.js';
import { UserFacingError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { boltLogger } from './bolt-logger.js';
import type { BotIdentity } from './bot-identity.js';

export interface SlackAppOptions {
  readonly env: Env;
  readonly logger: Logger;
  readonly identity: BotIdentity;
  readonly routes: CustomRoute[];
}

function createReceiver({ env, logger, routes }: SlackAppOptions): Receiver {
  if (env.SLACK_APP_TOKEN) {
    return new SocketModeReceiver({
      appToken: env.SLACK_APP_TOKEN,
      logger: boltLogger(logger),
      customRoutes: routes,
      // Socket Mode needs no public URL, but /healthz and /readyz still answer on PORT. The
      // connection is opened through SLACK_API_URL too (apps.connections.open), like every call.
      installerOptions: {
        port: env.PORT,
        ...(env.SLACK_API_URL ? { clientOptions: { slackApiUrl: env.SLACK_API_URL } } : {}),
      },
    });
  }
  return new HTTPReceiver({
    signingSecret: env.SLACK_SIGNING_SECRET,
    endpoints: '/slack/events',
    logger: boltLogger(logger),
    customRoutes: routes,
  });
}

export interface SlackApp {
  readonly app: App;
  /** Over HTTP: listening on PORT. In Socket Mode: connecting in the background, retrying. */
  start(): Promise<void>;
  /** Stops taking requests: closes the HTTP server, or the Socket Mode connection. */
  stop(): Promise<void>;
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
      // Listener calls sit on the interactive path: a rate-limited call must fail fast, never queue.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    },
  });
  // Listeners answer their own failures; whatever still escapes one lands here, logged once.
  app.error(async (error) => {
    logger.error({ err: error.original ?? error, code: error.code }, 'a Slack listener failed');
  });

  let stopping = false;
  const portInUse = () =>
    new UserFacingError(
      'config_invalid',
      `port ${env.PORT} is already in use: stop what uses it, or set PORT`,
    );
  const stop = () =>
    app.stop().catch((error: unknown) => logger.warn({ err: error }, 'Slack receiver did not stop cleanly'));
  return {
    app,
    async start() {
      if (receiver instanceof SocketModeReceiver) {
        // The receiver listens for the health routes without an error handler, so a busy port
        // would crash the process instead of saying so: find out first.
        if (!(await portIsFree(env.PORT))) throw portInUse();
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
      try {
        await app.start(env.PORT);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse();
        throw error;
      }
    },
    async stop() {
      stopping = true;
      await stop();
    },
  };
}

/** Whether nothing listens on `port` yet (on every interface, as the receivers listen). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}
