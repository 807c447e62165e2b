import type { AwsCredentials } from './aws/connector.js';
import { createJitbotInventory } from './aws/jitbot-inventory.js';
import { createS3AuditSink } from './aws/s3-audit-sink.js';
import { loadCatalog } from './config/catalog.js';
import { emailDomainWarning } from './config/catalog-checks.js';
import {
  checkGeneratedPolicyTargets,
  hasGeneratedPolicyTargets,
} from './config/catalog-generated-policy-actions.js';
import { identityCenterBackstopWarning } from './config/catalog-identity-center.js';
import type { Env } from './config/env.js';
import { createCallRecorder } from './db/call-audit.js';
import { type Database, openDatabase } from './db/database.js';
import { createPostgresRequestStores } from './db/request-stores.js';
import { recordFirstDeliveries } from './db/slack-deliveries-repository.js';
import type { Catalog } from './domain/catalog.js';
import { withDeadline } from './domain/deadline.js';
import { newGrantId, newRequestId } from './domain/request-id.js';
import { healthRoutes } from './http/health-routes.js';
import { createHttpServer } from './http/http-server.js';
import { useOutboundProxy } from './http/outbound-proxy.js';
import { createBackgroundWorker } from './jobs/background-worker.js';
import { createJobHandlers } from './jobs/job-handlers.js';
import type { Worker } from './jobs/worker.js';
import type { Logger } from './log/logger.js';
import { createMetrics } from './metrics/metrics.js';
import { warmActionData } from './policy/action-data.js';
import { createProviders } from './providers/registry.js';
import { createAdminNotifier } from './slack/admin-notifier.js';
import { createSlackApp } from './slack/app.js';
import { createBotIdentity } from './slack/bot-identity.js';
import { createBackgroundClient, createIdentityClient } from './slack/clients.js';
import { batchFirstDeliveries } from './slack/delivery-batcher.js';
import { createGrantNotifier } from './slack/grant-notifier.js';
import { createHomePublisher } from './slack/home-publisher.js';
import { refreshingHomes } from './slack/home-refresh.js';
import { useSlashCommand } from './slack/ids.js';
import { registerListeners } from './slack/listeners/index.js';
import { createMessageSender, messageRetryAfterMs } from './slack/message-delivery.js';
import { createRequestNotifier } from './slack/notifier.js';
import { createPeopleDirectory } from './slack/people.js';
import { createTargetSummaries } from './slack/request-views.js';
import { createUserGroupDirectory, type UserGroupDirectory } from './slack/user-groups.js';
import { createViewOpener } from './slack/view-opener.js';
import type { OnWork } from './workflow/due-work.js';
import type { GrantWorkflowDeps } from './workflow/grant-deps.js';
import { createHomeRefresh } from './workflow/home-audience.js';
import { enqueueJob, JOB_KINDS } from './workflow/job-kinds.js';
import { baselineNewTargets, type ReconcileDeps } from './workflow/reconcile.js';

/** How long start-up waits for the names of Identity Center permission sets and groups. */
const PREPARE_MS = 5_000;

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
  /** Where AWS calls go and as whom; default: the SDK's own chain (AWS_ENDPOINT_URL, credentials). */
  readonly aws?: {
    readonly endpoint?: string;
    readonly credentials?: AwsCredentials;
    /** How long one try waits on an Identity Center assignment (tests shorten it). */
    readonly assignmentWaitMs?: number;
  };
  /** Milliseconds since the epoch for the user-group cache; tests move it instead of waiting. */
  readonly clock?: () => number;
  /**
   * Drift (reading back who holds each target): on unless a test that is not about it turns it
   * off, so that it makes no AWS or Okta calls of its own there.
   */
  readonly drift?: boolean;
}

/** How long start-up waits to record the baseline of targets read back for the first time. */
const BASELINE_MS = 10_000;

/** Accounts without a scheduler role have no backstop: jitbot alone revokes there. */
function warnAboutBackstops(catalog: Catalog, logger: Logger): void {
  for (const account of catalog.accounts) {
    if (account.schedulerRoleArn) continue;
    logger.warn(
      { account: account.id },
      `account ${account.id} (${account.accountId}) has no schedulerRoleArn, so its grants have no ` +
        'EventBridge Scheduler backstop: if jitbot is down at expiry, access stays until it is back. ' +
        'Deploy the scheduler role and set schedulerRoleArn to add one.',
    );
  }
}

/**
 * Targets read back for the first time get their baseline before the service is ready: who holds
 * them now is pre-existing. A place that cannot be read in time is baselined by the first drift
 * run instead; start-up goes on.
 */
async function baselineBeforeReady(deps: ReconcileDeps, logger: Logger): Promise<void> {
  try {
    const unread = await withDeadline(baselineNewTargets(deps), BASELINE_MS);
    for (const line of unread) logger.warn(`drift baseline: ${line}; the first drift run records it instead`);
  } catch (error) {
    logger.warn(
      { err: error },
      'could not record the drift baseline at start-up; the first drift run records it instead',
    );
  }
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

export async function startService(inputs: ServiceInputs): Promise<RunningService> {
  const { env, variables, logger } = inputs;
  const catalog = loadCatalog(env.JITBOT_CATALOG, variables);
  // Before anything builds a message: replies and notices name the command people type.
  useSlashCommand(env.SLACK_COMMAND);
  // Before anything makes a Slack, AWS or Okta client: each takes its connections from it.
  const proxy = useOutboundProxy(env);
  if (proxy.description !== undefined) logger.info(proxy.description);
  for (const warning of proxy.warnings) logger.warn(warning);
  if (hasGeneratedPolicyTargets(catalog)) {
    // Loaded before the check so that it, and the first request, read from memory.
    await warmActionData();
    await checkGeneratedPolicyTargets(catalog, env.JITBOT_CATALOG);
  }
  logger.info({ catalog: env.JITBOT_CATALOG, targets: catalog.targets.length }, 'catalog loaded');
  const database = await openDatabase(env, logger);
  logger.info({ database: database.location }, 'database ready');

  const metrics = createMetrics(database.pool, logger.child({ component: 'metrics' }));
  let shuttingDown = false;
  const identity = createBotIdentity(createIdentityClient(env, logger), env.SLACK_BOT_TOKEN, logger);
  const slack = createSlackApp({
    env,
    logger,
    identity,
    firstDelivery: batchFirstDeliveries((keys) => recordFirstDeliveries(database.pool, keys)),
  });
  const { app } = slack;
  const health = healthRoutes({
    readiness: database.readiness,
    shuttingDown: () => shuttingDown,
    slackProblem: () =>
      identity.teamId() ? slack.connectionProblem() : 'Slack workspace not yet confirmed (auth.test)',
    logger: logger.child({ component: 'http' }),
  });
  const http = createHttpServer({
    routes: [...health, ...slack.routes],
    logger: logger.child({ component: 'http' }),
    portInUse: (port) => `port ${port} is already in use: stop what uses it, or set PORT`,
  });
  const background = createBackgroundClient(env, logger);
  const directory = createUserGroupDirectory(background, logger, inputs.clock ? { now: inputs.clock } : {});
  const sender = createMessageSender(database.pool, background, logger);
  const record = metrics.counting(createCallRecorder(database.callRecords));
  const providers = createProviders({
    catalog,
    record,
    logger,
    ...(inputs.aws?.endpoint ? { awsEndpoint: inputs.aws.endpoint } : {}),
    ...(inputs.aws?.credentials ? { awsCredentials: inputs.aws.credentials } : {}),
    ...(inputs.aws?.assignmentWaitMs !== undefined ? { assignmentWaitMs: inputs.aws.assignmentWaitMs } : {}),
  });
  // The words approvers read name permission sets and groups: read them before the first request.
  await providers.prepare(PREPARE_MS);
  const targets = createTargetSummaries(catalog, providers.registry);
  const stores = createPostgresRequestStores(database.pool);
  // The worker is made last, but every workflow wakes it: bind late.
  let worker: Worker | undefined;
  const onWork: OnWork = (...written) => worker?.wake(...written);
  const grants: GrantWorkflowDeps = {
    pool: database.pool,
    catalog,
    providers: providers.registry,
    members: directory.members,
    newGrantId,
    onWork,
  };
  const handlers = createJobHandlers({
    grants,
    stores,
    people: createPeopleDirectory(database.pool, background),
    notify: refreshingHomes(
      {
        ...createRequestNotifier({ db: database.pool, stores, catalog, targets, sender, directory }),
        ...createGrantNotifier({ db: database.pool, stores, catalog, targets, sender }),
        ...createAdminNotifier({ db: database.pool, client: background, catalog }),
      },
      createHomeRefresh(grants),
    ),
  });
  const drift =
    inputs.drift === false
      ? undefined
      : {
          ...grants,
          inventory: createJitbotInventory({ connector: providers.aws, record }),
          logger: logger.child({ component: 'drift' }),
        };
  if (drift) await baselineBeforeReady(drift, logger);
  const auditSink =
    env.AUDIT_SINK &&
    createS3AuditSink({
      location: env.AUDIT_SINK,
      ...(env.AUDIT_SINK_REGION ? { region: env.AUDIT_SINK_REGION } : {}),
      ...(inputs.aws?.endpoint ? { endpoint: inputs.aws.endpoint } : {}),
      ...(inputs.aws?.credentials ? { credentials: inputs.aws.credentials } : {}),
    });
  const homes = createHomePublisher({
    workflows: { pool: database.pool, stores, catalog, members: directory.members },
    targets,
    client: background,
  });
  const running = createBackgroundWorker({
    pool: database.pool,
    handlers,
    grants,
    stores,
    logger,
    ...(drift ? { drift } : {}),
    ...(auditSink ? { auditSink } : {}),
    publishHome: (userId) => homes.publish(userId),
    retryAfterOf: messageRetryAfterMs,
    auditCheckpoint: async (tx, head) => {
      await enqueueJob(tx, {
        kind: JOB_KINDS.auditCheckpoint,
        payload: { seq: Number(head.seq), hash: head.hash, chainedAt: head.chainedAt.toISOString() },
      });
    },
  });
  worker = running;
  const workflows = {
    stores,
    pool: database.pool,
    catalog,
    members: directory.members,
    newRequestId,
    providers: providers.registry,
    onWork,
  };
  const views = createViewOpener({ env });
  registerListeners(app, { workflows, directory, logger, views, targets, ...(drift ? { drift } : {}) });

  try {
    if (env.METRICS_PORT !== undefined) await metrics.serve(env.METRICS_PORT, env.METRICS_HOST);
    await http.listen(env.PORT);
    await slack.start();
  } catch (error) {
    await http.close(0);
    providers.close();
    auditSink?.close();
    views.close();
    await proxy.close();
    await metrics.close();
    await database.close().catch(() => undefined);
    throw error;
  }
  running.start();
  warnAboutBackstops(catalog, logger);
  const domains = emailDomainWarning(catalog);
  if (domains) logger.warn(`${domains.problem}. To fix it, ${domains.fix}.`);
  const identityCenterBackstop = identityCenterBackstopWarning(catalog);
  if (identityCenterBackstop)
    logger.warn(`${identityCenterBackstop.problem}. To fix it, ${identityCenterBackstop.fix}.`);
  void identity.verify();
  warmUserGroups(catalog, directory, logger);
  logger.info(
    {
      port: env.PORT,
      mode: env.SLACK_APP_TOKEN ? 'socket' : 'http',
      ...(env.METRICS_PORT !== undefined ? { metricsPort: env.METRICS_PORT } : {}),
    },
    'jitbot is running',
  );

  return {
    catalog,
    database,
    async stop() {
      shuttingDown = true;
      identity.stop();
      await slack.stop();
      await http.close();
      await running.stop();
      providers.close();
      auditSink?.close();
      views.close();
      await proxy.close();
      await metrics.close();
      await database.close();
    },
  };
}
