import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseEnv } from '../../src/config/env.js';
import { notifyDueWork } from '../../src/db/jobs-repository.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { type RunningService, startService } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { FakeAws } from './fake-aws.js';
import type { FakeIdentityCenter } from './fake-identity-center.js';
import { type FakeGroup, FakeOkta, type FakeUser, type FakeUserStatus } from './fake-okta.js';
import { type FakeSlack, type SlackCall, startFakeSlack } from './fake-slack.js';
import { type EnvelopeAck, type FakeSocketMode, startFakeSocketMode } from './fake-socket-mode.js';
import { BOT_TOKEN, freePort, SIGNING_SECRET } from './service-process.js';
import { postSignedForm, postSignedJson } from './slack-requests.js';
import { TEST_CATALOG_DATA } from './test-catalog.js';

export interface Jitbot {
  readonly slack: FakeSlack;
  /** STS, IAM and Scheduler; every account and group of the catalog exists in it. */
  readonly aws: FakeAws;
  /**
   * The Okta management API, when the catalog has an `okta:` section: its token is the catalog's,
   * every okta-group target's group exists in it, and each Slack person is an Okta user.
   */
  readonly okta: FakeOkta | undefined;
  /**
   * The Okta user of a Slack person (login and email `emailOf(userId)`), created now if users.info
   * has not created it yet, so a test can arrange memberships or change the status beforehand.
   */
  oktaUser(userId: string): FakeUser;
  /** Slack's end of Socket Mode, when started with `socketMode`. */
  readonly socket: FakeSocketMode | undefined;
  /** The fake's group with this id (one of the catalog's okta-group targets). */
  oktaGroup(groupId: string): FakeGroup;
  readonly database: TestDatabase;
  readonly service: RunningService;
  readonly baseUrl: string;
  /** `http://127.0.0.1:<METRICS_PORT>/metrics` when started with `metrics`. */
  readonly metricsUrl: string | undefined;
  /** The environment a `jitbot` command needs to work on this world (its database, catalog, AWS and Okta). */
  cliEnv(): Record<string, string>;
  /** Stops this process's service (as a crash or a deploy would); the fakes and the database stay. */
  stopService(): Promise<void>;
  /** `ready: false` returns once it listens, without waiting for /readyz (a Slack held back on purpose). */
  startService(options?: { readonly ready?: boolean }): Promise<void>;
  /** Another jitbot on the same database, Slack and AWS, stopped with the rest. */
  startReplica(): Promise<RunningService>;
  /** Wakes every instance's worker now (after a test moved a due time in the database). */
  wake(): Promise<void>;
  /** `/request-aws-access <text>` from `userId`; the response_url points at the fake Slack. */
  command(text: string, userId: string): Promise<{ status: number; body: string; responseUrl: string }>;
  /** A button click on a message (block_actions). */
  click(actionId: string, value: string, userId: string): Promise<{ status: number; responseUrl: string }>;
  /** `userId` opens jitbot's Home tab (an app_home_opened event). */
  openHome(userId: string): Promise<number>;
  /** A button click on `userId`'s App Home: block_actions from a home view, with no response_url. */
  clickInHome(actionId: string, value: string, userId: string): Promise<number>;
  /** A global shortcut (`callback_id`) run by `userId`. */
  shortcut(callbackId: string, userId: string): Promise<number>;
  /** The blocks of the last Home published for `userId`; undefined before the first. */
  homeOf(userId: string): Record<string, unknown>[] | undefined;
  /** Waits until `userId`'s latest published Home satisfies `ready`, and returns its blocks. */
  homeUntil(userId: string, ready: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** A modal submission (view_submission) with `state.values`. */
  submitView(
    callbackId: string,
    values: unknown,
    userId: string,
    privateMetadata?: string,
  ): Promise<Response>;
  /** What jitbot answered on a response_url. */
  responses(responseUrl: string): SlackCall[];
  stop(): Promise<void>;
}

let sequence = 0;
function nextId(prefix: string): string {
  sequence += 1;
  return `${prefix}${Date.now().toString(36)}${sequence}`;
}

interface CatalogShape {
  readonly accounts?: readonly {
    id?: string;
    accountId: string;
    connectorRoleArn: string;
    externalId: string;
    region?: string;
  }[];
  readonly okta?: { readonly orgUrl?: string; readonly token?: string };
  readonly identityCenter?: {
    readonly account: string;
    readonly instanceArn: string;
    readonly identityStoreId: string;
    readonly region?: string;
  };
  readonly targets?: readonly {
    id?: string;
    name?: string;
    kind?: string;
    account?: string;
    group?: string;
    policyArn?: string;
    groupId?: string;
    permissionSetArn?: string;
  }[];
}

/** Write this as `okta.orgUrl` in a test catalog: the harness puts the fake Okta's URL there. */
export const FAKE_OKTA_URL = 'fake-okta';

/** The email a fake Slack user has: the local part is their user id in lower case. */
export function emailOf(userId: string): string {
  return `${userId.toLowerCase()}@example.com`;
}

/**
 * The catalog's Identity Center instance in the fake AWS, with a permission set for each
 * aws-sso-permission-set target (named after the target) and a group for each aws-sso-group target.
 */
function addFakeIdentityCenter(aws: FakeAws, catalog: CatalogShape): FakeIdentityCenter | undefined {
  const settings = catalog.identityCenter;
  if (!settings) return undefined;
  const owner = (catalog.accounts ?? []).find((account) => account.id === settings.account);
  if (!owner)
    throw new Error(`identityCenter.account ${settings.account} is not among the test catalog's accounts`);
  const instance = aws.addIdentityCenter({
    ownerAccountId: owner.accountId,
    region: settings.region ?? owner.region ?? 'us-east-1',
    instanceArn: settings.instanceArn,
    identityStoreId: settings.identityStoreId,
  });
  for (const target of catalog.targets ?? []) {
    if (target.kind === 'aws-sso-permission-set' && target.permissionSetArn) {
      const id = target.permissionSetArn.slice(target.permissionSetArn.lastIndexOf('/') + 1);
      if (![...instance.permissionSets.keys()].includes(target.permissionSetArn))
        instance.addPermissionSet({ name: target.name ?? id, id });
    } else if (target.kind === 'aws-sso-group' && target.groupId && !instance.groups.has(target.groupId)) {
      instance.addGroup(target.name ?? target.groupId, { groupId: target.groupId });
    }
  }
  return instance;
}

/**
 * A fake AWS with the catalog's connector roles and groups. The person users.info answers for
 * gets an IAM user of their email's local part in every account, unless `withoutIamUser` names them
 * (so a test can ask for someone AWS does not know).
 */
async function startFakeAws(catalog: CatalogShape, withoutIamUser: Set<string>) {
  const aws = new FakeAws();
  for (const account of catalog.accounts ?? []) {
    aws.addRole(account.connectorRoleArn, account.externalId);
    for (const target of catalog.targets ?? [])
      if (target.group) aws.account(account.accountId).addGroup(target.group);
      else if (target.policyArn?.includes(`::${account.accountId}:`))
        aws.account(account.accountId).addPolicy(target.policyArn);
  }
  const identityCenter = addFakeIdentityCenter(aws, catalog);
  const provision = (id: string) => {
    if (withoutIamUser.has(id)) return;
    for (const account of catalog.accounts ?? []) {
      const iam = aws.account(account.accountId);
      if (!iam.users.has(id.toLowerCase())) iam.addUser(id.toLowerCase());
    }
    // Identity Center users go by their email as userName, the default userMatch.
    const email = emailOf(id);
    if (identityCenter && ![...identityCenter.users.values()].some((user) => user.userName === email))
      identityCenter.addUser({ userName: email, emails: [email] });
  };
  return { aws, url: await aws.start(), provision };
}

interface OktaWorld {
  readonly okta: FakeOkta;
  readonly url: string;
  readonly user: (userId: string) => FakeUser;
  readonly group: (groupId: string) => FakeGroup;
  /** What users.info does for a person: an Okta user, unless the options say there is none. */
  readonly provision: (userId: string) => void;
}

/** A fake Okta with the catalog's token and its okta-group targets' groups; undefined without `okta:`. */
async function startFakeOkta(catalog: CatalogShape, options: JitbotOptions): Promise<OktaWorld | undefined> {
  if (!catalog.okta) return undefined;
  const okta = new FakeOkta({ token: catalog.okta.token ?? '' });
  const groups = new Map<string, FakeGroup>();
  for (const target of catalog.targets ?? []) {
    if (target.kind !== 'okta-group' || !target.groupId || groups.has(target.groupId)) continue;
    const name = target.name ?? target.id ?? target.groupId;
    groups.set(target.groupId, okta.addGroup({ id: target.groupId, name }));
  }
  const users = new Map<string, FakeUser>();
  const without = new Set(options.withoutOktaUser);
  const user = (userId: string) => {
    let found = users.get(userId);
    if (!found) {
      const status = options.oktaUserStatus?.[userId] ?? 'ACTIVE';
      found = okta.addUser({ login: emailOf(userId), status });
      users.set(userId, found);
    }
    return found;
  };
  const group = (groupId: string) => {
    const found = groups.get(groupId);
    if (!found) throw new Error(`the catalog has no okta-group target with groupId ${groupId}`);
    return found;
  };
  const provision = (userId: string) => {
    if (!without.has(userId)) user(userId);
  };
  return { okta, url: await okta.start(), user, group, provision };
}

export interface JitbotOptions {
  /** Slack users with no IAM user (GetUser answers NoSuchEntity). */
  readonly withoutIamUser?: readonly string[];
  /** Slack users with no Okta user (the login lookup answers 404). */
  readonly withoutOktaUser?: readonly string[];
  /** The status of a Slack user's Okta user; ACTIVE when not listed. */
  readonly oktaUserStatus?: Readonly<Record<string, FakeUserStatus>>;
  /**
   * Socket Mode (SLACK_APP_TOKEN set): commands and clicks arrive as envelopes over a real
   * WebSocket from a fake Slack, instead of as signed HTTP requests.
   */
  readonly socketMode?: boolean;
  /** Serve /metrics on a port of its own (METRICS_PORT), at `metricsUrl`. */
  readonly metrics?: boolean;
  /** The time the user-group cache reads (ServiceInputs.clock), so a test can age it without waiting. */
  readonly clock?: () => number;
  /** Drift reads back who holds each target (ServiceInputs.drift); off unless the test is about it. */
  readonly drift?: boolean;
  /** SLACK_COMMAND: the slash command's name; `command()` sends it. */
  readonly slackCommand?: string;
  /** More environment for jitbot (HTTPS_PROXY, NO_PROXY, ...), over the harness's own. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * How jitbot is told a fake's URL (SLACK_API_URL, the AWS endpoint, Okta's orgUrl, the Socket
   * Mode URL); default as it is. A test may name a fake by a host only its proxy resolves.
   */
  readonly fakeUrl?: (url: string, fake: FakeName) => string;
  /** The service's logger; default one at JITBOT_TEST_LOG_LEVEL, silent unless set. */
  readonly logger?: Logger;
}

/** The fakes jitbot is given a URL of. */
export type FakeName = 'slack' | 'aws' | 'okta' | 'socket';

export const APP_TOKEN = 'xapp-1-test-app-token-0123456789';

/** What several jitbot instances share: Slack, AWS, Okta, the database and the catalog file. */
interface World {
  readonly slack: FakeSlack;
  readonly aws: FakeAws;
  readonly awsUrl: string;
  readonly okta: OktaWorld | undefined;
  readonly database: TestDatabase;
  readonly catalogPath: string;
  readonly socket: FakeSocketMode | undefined;
  readonly metrics: boolean;
  readonly clock: (() => number) | undefined;
  readonly drift: boolean;
  readonly slackCommand: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly fakeUrl: (url: string, fake: FakeName) => string;
  readonly logger: Logger | undefined;
}

/** The catalog as written to the file: the fake Okta's URL in place of `FAKE_OKTA_URL`. */
function withFakeUrls(
  catalogData: unknown,
  okta: OktaWorld | undefined,
  fakeUrl: JitbotOptions['fakeUrl'] = (url) => url,
): unknown {
  const catalog = catalogData as CatalogShape;
  if (!okta || catalog.okta?.orgUrl !== FAKE_OKTA_URL) return catalogData;
  return { ...catalog, okta: { ...catalog.okta, orgUrl: fakeUrl(okta.url, 'okta') } };
}

async function startWorld(catalogData: unknown, options: JitbotOptions): Promise<World> {
  const catalog = catalogData as CatalogShape;
  const slack = await startFakeSlack();
  const { aws, url: awsUrl, provision } = await startFakeAws(catalog, new Set(options.withoutIamUser));
  const okta = await startFakeOkta(catalog, options);
  // Every Slack user has an email; the fakes give them accounts the first time jitbot looks them up.
  slack.on('users.info', (args) => {
    const id = String(args.user);
    provision(id);
    okta?.provision(id);
    return {
      user: { id, team_id: 'TFAKE', deleted: false, is_bot: false, profile: { email: emailOf(id) } },
    };
  });
  const fakeUrl = options.fakeUrl ?? ((url: string) => url);
  const socket = options.socketMode ? await startFakeSocketMode() : undefined;
  if (socket) slack.on('apps.connections.open', () => ({ url: fakeUrl(socket.url, 'socket') }));
  const database = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'jitbot-e2e-'));
  const catalogPath = join(dir, 'jitbot.yaml');
  writeFileSync(catalogPath, stringify(withFakeUrls(catalogData, okta, fakeUrl)));
  return {
    slack,
    aws,
    awsUrl,
    okta,
    database,
    catalogPath,
    socket,
    metrics: options.metrics === true,
    clock: options.clock,
    drift: options.drift === true,
    slackCommand: options.slackCommand,
    env: options.env ?? {},
    fakeUrl,
    logger: options.logger,
  };
}

interface Instance {
  readonly service: RunningService;
  readonly baseUrl: string;
  readonly metricsUrl: string | undefined;
}

/** As a load balancer would: no request before /readyz says the instance can serve it. */
async function untilReady(baseUrl: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await fetch(`${baseUrl}/readyz`);
    if (response.status === 200) return;
    if (Date.now() > deadline) throw new Error(`not ready after 15 s: ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function startInstance(world: World, ready = true): Promise<Instance> {
  const port = await freePort();
  const metricsPort = world.metrics ? await freePort() : undefined;
  const env = parseEnv({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: world.fakeUrl(world.slack.url, 'slack'),
    DATABASE_URL: world.database.url,
    JITBOT_CATALOG: world.catalogPath,
    PORT: String(port),
    LOG_LEVEL: process.env.JITBOT_TEST_LOG_LEVEL ?? 'silent',
    ...(world.socket ? { SLACK_APP_TOKEN: APP_TOKEN } : {}),
    ...(world.slackCommand ? { SLACK_COMMAND: world.slackCommand } : {}),
    ...(metricsPort !== undefined ? { METRICS_PORT: String(metricsPort) } : {}),
    ...world.env,
  });
  const service = await startService({
    env,
    variables: {},
    logger: world.logger ?? createLogger(env.LOG_LEVEL),
    aws: {
      endpoint: world.fakeUrl(world.awsUrl, 'aws'),
      credentials: { accessKeyId: 'AKIDJITBOT', secretAccessKey: 'test' },
      // A held Identity Center assignment hands its wait to a retry within a second.
      assignmentWaitMs: 1_000,
    },
    ...(world.clock ? { clock: world.clock } : {}),
    drift: world.drift,
  });
  if (ready) await untilReady(`http://127.0.0.1:${port}`);
  return {
    service,
    baseUrl: `http://127.0.0.1:${port}`,
    metricsUrl: metricsPort === undefined ? undefined : `http://127.0.0.1:${metricsPort}/metrics`,
  };
}

/** The blocks of the last Home published for `userId`. */
function lastHome(slack: FakeSlack, userId: string): Record<string, unknown>[] | undefined {
  const published = slack.callsTo('views.publish').filter((call) => call.args.user_id === userId);
  const view = published.at(-1)?.args.view as { blocks?: Record<string, unknown>[] } | undefined;
  return view?.blocks;
}

/** A Socket Mode ack as the HTTP answer it stands for: an empty ack is an empty 200. */
function asResponse(ack: EnvelopeAck): Response {
  const body = ack.payload && Object.keys(ack.payload).length > 0 ? JSON.stringify(ack.payload) : '';
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

/** The whole service in this process (real Bolt, real HTTP, real PostgreSQL); Slack, AWS and Okta faked. */
export async function startJitbot(
  catalogData: unknown = TEST_CATALOG_DATA,
  options: JitbotOptions = {},
): Promise<Jitbot> {
  const world = await startWorld(catalogData, options);
  const { slack, aws, database } = world;
  const oktaWorld = () => {
    if (!world.okta) throw new Error('the catalog has no okta section, so there is no fake Okta');
    return world.okta;
  };
  let instance: Instance | undefined = await startInstance(world);
  const extra: RunningService[] = [];
  const sign = { secret: SIGNING_SECRET };
  const current = () => {
    if (!instance) throw new Error('jitbot is stopped: call start() first');
    return instance;
  };
  const { socket } = world;
  const post = (fields: Record<string, string>) =>
    socket
      ? socket.deliver('slash_commands', fields).then(asResponse)
      : postSignedForm(current().baseUrl, fields, sign);
  const payload = (body: unknown) =>
    socket
      ? socket.deliver('interactive', body).then(asResponse)
      : postSignedForm(current().baseUrl, { payload: JSON.stringify(body) }, sign);

  return {
    slack,
    aws,
    okta: world.okta?.okta,
    oktaUser: (userId) => oktaWorld().user(userId),
    oktaGroup: (groupId) => oktaWorld().group(groupId),
    socket,
    database,
    get service() {
      return current().service;
    },
    get baseUrl() {
      return current().baseUrl;
    },
    get metricsUrl() {
      return current().metricsUrl;
    },
    async stopService() {
      await instance?.service.stop();
      instance = undefined;
    },
    async startService(options = {}) {
      instance ??= await startInstance(world, options.ready !== false);
    },
    async startReplica() {
      const replica = await startInstance(world);
      extra.push(replica.service);
      return replica.service;
    },
    async wake() {
      await notifyDueWork(database.pool);
    },
    async command(text, userId) {
      const responseUrl = `${slack.url}response/${nextId('cmd')}`;
      const response = await post({
        command: world.slackCommand ?? '/request-aws-access',
        text,
        user_id: userId,
        user_name: userId.toLowerCase(),
        team_id: 'TFAKE',
        channel_id: 'CGENERAL',
        trigger_id: nextId('trigger.'),
        response_url: responseUrl,
        api_app_id: 'AJITBOT',
      });
      return { status: response.status, body: await response.text(), responseUrl };
    },
    async click(actionId, value, userId) {
      const responseUrl = `${slack.url}response/${nextId('act')}`;
      const response = await payload({
        type: 'block_actions',
        user: { id: userId },
        team: { id: 'TFAKE' },
        api_app_id: 'AJITBOT',
        trigger_id: nextId('trigger.'),
        response_url: responseUrl,
        container: { type: 'message', channel_id: 'DFAKE', message_ts: '1700000000.000001' },
        channel: { id: 'DFAKE' },
        actions: [
          { type: 'button', action_id: actionId, block_id: 'actions', value, action_ts: '1700000000.1' },
        ],
      });
      await response.text();
      return { status: response.status, responseUrl };
    },
    async openHome(userId) {
      const body = {
        token: 'verification-token-unused',
        team_id: 'TFAKE',
        api_app_id: 'AJITBOT',
        type: 'event_callback',
        event_id: nextId('Ev'),
        event_time: Math.floor(Date.now() / 1000),
        event: {
          type: 'app_home_opened',
          user: userId,
          channel: `D${userId}`,
          tab: 'home',
          event_ts: '1700000000.1',
        },
      };
      const response = socket
        ? await socket.deliver('events_api', body).then(asResponse)
        : await postSignedJson(current().baseUrl, body, sign);
      await response.text();
      return response.status;
    },
    async clickInHome(actionId, value, userId) {
      const response = await payload({
        type: 'block_actions',
        user: { id: userId },
        team: { id: 'TFAKE' },
        api_app_id: 'AJITBOT',
        trigger_id: nextId('trigger.'),
        container: { type: 'view', view_id: 'VHOME' },
        view: { id: 'VHOME', type: 'home', hash: 'h1', private_metadata: '', state: { values: {} } },
        actions: [
          { type: 'button', action_id: actionId, block_id: 'home', value, action_ts: '1700000000.1' },
        ],
      });
      await response.text();
      return response.status;
    },
    async shortcut(callbackId, userId) {
      const response = await payload({
        type: 'shortcut',
        callback_id: callbackId,
        user: { id: userId, username: userId.toLowerCase(), team_id: 'TFAKE' },
        team: { id: 'TFAKE' },
        api_app_id: 'AJITBOT',
        trigger_id: nextId('trigger.'),
        action_ts: '1700000000.1',
      });
      await response.text();
      return response.status;
    },
    homeOf: (userId) => lastHome(slack, userId),
    async homeUntil(userId, ready, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const blocks = lastHome(slack, userId);
        const text = blocks ? JSON.stringify(blocks) : '';
        if (blocks && ready(text)) return text;
        if (Date.now() > deadline)
          throw new Error(`the Home of ${userId} never became ready; last: ${text.slice(0, 2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    submitView(callbackId, values, userId, privateMetadata = '') {
      return payload({
        type: 'view_submission',
        user: { id: userId },
        team: { id: 'TFAKE' },
        api_app_id: 'AJITBOT',
        trigger_id: nextId('trigger.'),
        view: {
          id: nextId('V'),
          callback_id: callbackId,
          hash: 'h1',
          private_metadata: privateMetadata,
          state: { values },
        },
      });
    },
    responses: (responseUrl) => slack.callsTo(responseUrl.slice(slack.url.length)),
    cliEnv: () => ({
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: world.slack.url,
      DATABASE_URL: world.database.url,
      JITBOT_CATALOG: world.catalogPath,
      AWS_ENDPOINT_URL: world.awsUrl,
      AWS_ACCESS_KEY_ID: 'AKIDJITBOT',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      LOG_LEVEL: 'warn',
    }),
    async stop() {
      await instance?.service.stop();
      for (const replica of extra) await replica.stop();
      await slack.close();
      await aws.stop();
      await world.okta?.okta.stop();
      await socket?.close();
      await database.drop();
    },
  };
}
