import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { App } from '@slack/bolt';
import { type Catalog, loadCatalog } from './config/catalog.js';
import type { Env } from './config/env.js';
import { type Database, openDatabase } from './db/database.js';
import { JOBS_CHANNEL } from './db/jobs-repository.js';
import { newRequestId } from './domain/request-id.js';
import { UserFacingError } from './errors.js';
import { healthRoutes } from './http/health-routes.js';
import { createJobSource, type JobHandler } from './jobs/job-source.js';
import { createWorker, type Worker } from './jobs/worker.js';
import type { Logger } from './log/logger.js';
import { createSlackApp } from './slack/app.js';
import { createBotIdentity } from './slack/bot-identity.js';
import { createBackgroundClient, createIdentityClient } from './slack/clients.js';
import { registerListeners } from './slack/listeners/index.js';
import { createMessageSender } from './slack/message-delivery.js';
import { createNotifierHandlers } from './slack/notifier.js';
import { createUserGroupDirectory, type UserGroupDirectory } from './slack/user-groups.js';
import { createRequestTimeoutSource } from './workflow/expire-requests.js';

export interface RunningService {
  readonly catalog: Catalog;
  readonly database: Database;
  /** Stops taking work, lets in-flight jobs finish, closes the database. */
  stop(): Promise<void>;
}

export interface ServiceInputs {
  readonly env: Env;
  /** The raw environment, for `${VAR}` references in the catalog. */
  readonly variables: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
}

async function startSlack(app: App, env: Env, logger: Logger): Promise<void> {
  if (env.SLACK_APP_TOKEN) {
    // Socket Mode keeps reconnecting until Slack answers; health routes are up meanwhile.
    app.start().then(
      () => logger.info('connected to Slack over Socket Mode'),
      (error: unknown) => logger.error({ err: error }, 'Socket Mode connection failed'),
    );
    return;
  }
  try {
    await app.start(env.PORT);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UserFacingError(
        'config_invalid',
        `port ${env.PORT} is already in use: stop what uses it, or set PORT`,
      );
    }
    throw error;
  }
}

function createBackgroundWorker(
  database: Database,
  handlers: Record<string, JobHandler>,
  logger: Logger,
): Worker {
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const jobLogger = logger.child({ component: 'jobs' });
  const jobs = createJobSource({ pool: database.pool, handlers, workerId, logger: jobLogger });
  const timeouts = createRequestTimeoutSource(database.pool);
  return createWorker({ pool: database.pool, sources: [jobs, timeouts], logger, channels: [JOBS_CHANNEL] });
}

/** Every user group the catalog names, fetched once at start so the first click does not wait. */
function warmUserGroups(catalog: Catalog, directory: UserGroupDirectory, logger: Logger): void {
  const groups = new Set(
    catalog.targets.flatMap((target) => [
      ...target.approvers.userGroups,
      ...(target.requesters?.userGroups ?? []),
    ]),
  );
  for (const group of groups) {
    directory.members(group).catch((error: unknown) => {
      logger.warn({ err: error, userGroup: group }, 'could not read a Slack user group named in the catalog');
    });
  }
}

export async function startService({ env, variables, logger }: ServiceInputs): Promise<RunningService> {
  const catalog = loadCatalog(env.JITBOT_CATALOG, variables);
  logger.info({ catalog: env.JITBOT_CATALOG, targets: catalog.targets.length }, 'catalog loaded');
  const database = await openDatabase(env, logger);
  logger.info({ database: database.location }, 'database ready');

  let shuttingDown = false;
  const identity = createBotIdentity(createIdentityClient(env, logger), env.SLACK_BOT_TOKEN, logger);
  const routes = healthRoutes({ readiness: database.readiness, shuttingDown: () => shuttingDown });
  const app = createSlackApp({ env, logger, identity, routes });
  const background = createBackgroundClient(env, logger);
  const directory = createUserGroupDirectory(background, logger);
  const sender = createMessageSender(database.pool, background, logger);
  const handlers = createNotifierHandlers({ db: database.pool, catalog, sender, directory });
  const worker = createBackgroundWorker(database, handlers, logger);
  const workflows = {
    pool: database.pool,
    catalog,
    members: directory.members,
    newRequestId,
    onWork: worker.wake,
  };
  registerListeners(app, { workflows, directory, logger });

  try {
    await startSlack(app, env, logger);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  worker.start();
  void identity.verify();
  warmUserGroups(catalog, directory, logger);
  logger.info({ port: env.PORT, mode: env.SLACK_APP_TOKEN ? 'socket' : 'http' }, 'jitbot is running');

  return {
    catalog,
    database,
    async stop() {
      shuttingDown = true;
      identity.stop();
      await app
        .stop()
        .catch((error: unknown) => logger.warn({ err: error }, 'Slack receiver did not stop cleanly'));
      await worker.stop();
      await database.close();
    },
  };
}
