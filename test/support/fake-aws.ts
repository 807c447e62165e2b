import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { FakeAwsAccount, FakeAwsError } from './fake-aws-state.js';
import { escapeXml, iamResult, queryError, queryResponse } from './fake-aws-xml.js';
import {
  FakeIdentityCenter,
  type FakeIdentityCenterOptions,
  identityCenterCall,
  jsonErrorBody,
  parseJsonTarget,
  runIdentityCenterTarget,
  SIGNING_NAMES,
} from './fake-identity-center.js';
import { FakeS3 } from './fake-s3.js';

export { FakeAwsAccount, type FakePolicy, type FakeSchedule } from './fake-aws-state.js';
export { FakeIdentityCenter } from './fake-identity-center.js';
export { FakeBucket, FakeS3, type FakeS3Call, type FakeS3Object } from './fake-s3.js';

/** An STS session the fake issued: every later call signed with its key is attributed to it. */
export interface FakeSession {
  readonly accessKeyId: string;
  readonly sessionToken: string;
  readonly roleArn: string;
  readonly sessionName: string;
  readonly externalId?: string;
  readonly accountId: string;
  readonly expiration: Date;
}

export interface FakeAwsCall {
  readonly service: 'sts' | 'iam' | 'scheduler' | 'sso-admin' | 'identitystore';
  readonly action: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly accessKeyId?: string;
  /** The assumed-role session that signed the call, when it was one the fake issued. */
  readonly session?: FakeSession;
  readonly requestId: string;
  /**
   * The region of the SigV4 credential scope the client signed with: with every service at one
   * endpoint it is what shows which region (and so partition) the client was made for.
   */
  readonly signingRegion?: string;
  readonly status: number;
  readonly errorCode?: string;
  /** The call was carried out (status and errorCode say how), but this is what the client got. */
  readonly answerLost?: 'drop' | 'error';
}

/** What every call carries besides its action and parameters. */
interface CallMeta {
  readonly accessKeyId: string | undefined;
  readonly requestId: string;
  readonly signingRegion: string | undefined;
}

/** The IAM universal targets in GovCloud and China, which the account's own state does not run. */
const PARTITION_IAM_TARGET =
  /^arn:aws-(?:us-gov|cn):scheduler:::aws-sdk:iam:(removeUserFromGroup|detachUserPolicy)$/;

interface Injected {
  readonly code: string;
  readonly status: number;
  readonly message: string;
  remaining: number;
}

/**
 * A local AWS (STS, IAM, EventBridge Scheduler, IAM Identity Center's sso-admin and
 * identitystore, and S3 in `s3`) over real HTTP, for the real SDK clients via `endpoint` or
 * AWS_ENDPOINT_URL. It keeps state per account (Identity Center per instance), records every call
 * with the session that signed it, can fail the next calls of an action, and fires due schedules
 * on demand.
 */
export class FakeAws {
  readonly calls: FakeAwsCall[] = [];
  /** Lifetime of issued sessions; default: the DurationSeconds asked for. */
  credentialLifetimeSeconds: number | undefined;
  /** IAM and Scheduler list page size, small in tests that check pagination. */
  pageSize = 100;
  private readonly accounts = new Map<string, FakeAwsAccount>();
  /** S3, for jitbot's own identity (the audit sink): its calls are in `s3.calls`, not `calls`. */
  readonly s3 = new FakeS3();
  /** Identity Center instances (see addIdentityCenter). */
  readonly identityCenters: FakeIdentityCenter[] = [];
  private readonly roles = new Map<string, string | undefined>();
  private readonly sessions = new Map<string, FakeSession>();
  private readonly failures = new Map<string, Injected>();
  private readonly lostAnswers = new Map<string, { how: 'drop' | 'error'; remaining: number }>();
  private server: Server | undefined;
  /** IAM roles GetRole finds, by `accountId/roleName`, with their trust policy. */
  private readonly iamRoles = new Map<string, { readonly arn: string; readonly trust: string }>();
  /** Scheduler's schedule groups GetScheduleGroup finds, as `accountId/region/name`. */
  private readonly scheduleGroups = new Set<string>();

  account(accountId: string): FakeAwsAccount {
    let account = this.accounts.get(accountId);
    if (account === undefined) {
      account = new FakeAwsAccount(accountId);
      this.accounts.set(accountId, account);
    }
    return account;
  }

  /**
   * An IAM Identity Center instance owned by `ownerAccountId` in `region` (default us-east-1):
   * sso-admin and identitystore calls signed by sessions of that account (or of its
   * `delegatedAdmins`) for that region reach it.
   */
  addIdentityCenter(options: FakeIdentityCenterOptions): FakeIdentityCenter {
    const center = new FakeIdentityCenter(options);
    this.identityCenters.push(center);
    return center;
  }

  /** The Identity Center instance with this InstanceArn or IdentityStoreId (default: the only one). */
  identityCenter(id?: string): FakeIdentityCenter {
    const center =
      id === undefined
        ? this.identityCenters.length === 1
          ? this.identityCenters[0]
          : undefined
        : this.identityCenters.find((c) => c.instanceArn === id || c.identityStoreId === id);
    if (center === undefined)
      throw new Error(`no such fake Identity Center instance: ${id ?? '(the only one)'}`);
    return center;
  }

  /** A role AssumeRole accepts, only with this external id (undefined: none needed). */
  addRole(roleArn: string, externalId: string | undefined): void {
    this.roles.set(roleArn, externalId);
  }

  /**
   * A scheduler role GetRole finds, with a trust policy: by default infra/policies/scheduler-trust.json
   * for `region` (it names the account's `jitbot` schedule group there), as the setup deploys it.
   */
  addSchedulerRole(roleArn: string, options: { region?: string; trust?: object } = {}): void {
    const match = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    if (!match) throw new Error(`not a role ARN: ${roleArn}`);
    const [, partition = 'aws', accountId = '', name = ''] = match;
    const values: Record<string, string> = {
      partition,
      account_id: accountId,
      region: options.region ?? 'us-east-1',
    };
    const trust =
      options.trust === undefined
        ? readFileSync(join(PACKAGE_ROOT, 'infra', 'policies', 'scheduler-trust.json'), 'utf8').replace(
            /\$\{(\w+)\}/g,
            (_match, key: string) => values[key] ?? '',
          )
        : JSON.stringify(options.trust);
    this.iamRoles.set(`${accountId}/${name}`, { arn: roleArn, trust });
  }

  /** A schedule group (default `jitbot`) that GetScheduleGroup finds in that account and region only. */
  addScheduleGroup(accountId: string, region: string, name = 'jitbot'): void {
    this.scheduleGroups.add(`${accountId}/${region}/${name}`);
  }

  /** The next `times` calls of `action` (e.g. `AddUserToGroup`, `CreateSchedule`) fail with `code`. */
  failNext(
    action: string,
    failure: { code: string; status: number; times?: number; message?: string },
  ): void {
    this.failures.set(action, {
      code: failure.code,
      status: failure.status,
      message: failure.message ?? `injected ${failure.code}`,
      remaining: failure.times ?? 1,
    });
  }

  /** Ends what failNext and loseNextAnswers injected for `action` (a fault that has been fixed). */
  clearFailures(action: string): void {
    this.failures.delete(action);
    this.lostAnswers.delete(action);
  }

  /**
   * The next `times` calls of Scheduler or Identity Center `action` are carried out, but their answer is lost on the way back:
   * the connection is cut (`drop`) or AWS answers 500 (`error`), as after a network cut or an
   * internal error once the work was done. A retry then finds what the lost call made.
   */
  loseNextAnswers(action: string, loss: { how: 'drop' | 'error'; times?: number }): void {
    this.lostAnswers.set(action, { how: loss.how, remaining: loss.times ?? 1 });
  }

  callsTo(action: string): FakeAwsCall[] {
    return this.calls.filter((call) => call.action === action);
  }

  sessionFor(accessKeyId: string): FakeSession | undefined {
    return this.sessions.get(accessKeyId);
  }

  /**
   * Runs every schedule due by `date` as EventBridge would, then deletes it (ActionAfterCompletion
   * DELETE). Targets: IAM removeUserFromGroup and detachUserPolicy, sso-admin deleteAccountAssignment
   * and identitystore deleteGroupMembership (any partition in the target ARN).
   */
  fireSchedulesDueBy(date: Date): string[] {
    const fired: string[] = [];
    for (const account of this.accounts.values()) {
      for (const schedule of account.dueSchedules(date)) {
        account.fire(
          schedule,
          (arn, input) =>
            runIdentityCenterTarget(this.identityCenters, account.accountId, arn, input) ??
            runPartitionIamTarget(account, arn, input),
        );
        fired.push(schedule.name);
      }
    }
    return fired;
  }

  async start(): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(String(error));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // S3 is told apart by the service its requests are signed for; it reads its own (binary) body.
    const scope = /Credential=([^/,\s]+)\/\d{8}\/[^/]+\/([^/]+)\//.exec(request.headers.authorization ?? '');
    if (scope?.[2] === 's3') {
      await this.s3.handle(request, response, scope[1]);
      return;
    }
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://fake');
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(request.headers.authorization ?? '')?.[1];
    const requestId = randomUUID();
    const signingRegion = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\//.exec(
      request.headers.authorization ?? '',
    )?.[1];
    const meta: CallMeta = { accessKeyId, requestId, signingRegion };
    const jsonTarget = request.headers['x-amz-target'];
    if (typeof jsonTarget === 'string') {
      this.handleJson(request, response, jsonTarget, body, meta);
      return;
    }
    if (url.pathname.startsWith('/schedule-groups/')) {
      this.getScheduleGroup(request, response, url, meta);
      return;
    }
    if (url.pathname.startsWith('/schedules')) {
      this.handleScheduler(request, response, url, body, meta);
      return;
    }
    const params = Object.fromEntries(new URLSearchParams(body));
    const action = params.Action ?? '';
    const service = action === 'AssumeRole' ? 'sts' : 'iam';
    const base = { service, action, params, ...meta } as const;
    try {
      this.injected(action);
      const xml =
        service === 'sts'
          ? this.assumeRole(params)
          : this.iamAction(action, params, this.signedSession(request, accessKeyId));
      this.calls.push({ ...base, session: this.sessionOrNone(accessKeyId), status: 200 });
      respond(response, 200, 'text/xml', queryResponse(service, action, xml, requestId), requestId);
    } catch (error) {
      const failure = asFakeError(error);
      this.calls.push({
        ...base,
        session: this.sessionOrNone(accessKeyId),
        status: failure.status,
        errorCode: failure.code,
      });
      respond(response, failure.status, 'text/xml', queryError(failure, requestId), requestId);
    }
  }

  private handleScheduler(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    body: string,
    meta: CallMeta,
  ): void {
    if (request.method === 'GET' && url.pathname === '/schedules') {
      this.listSchedules(request, response, url, meta);
      return;
    }
    const name = decodeURIComponent(url.pathname.slice('/schedules/'.length));
    const input: Record<string, unknown> =
      body.length > 0 ? (JSON.parse(body) as Record<string, unknown>) : {};
    const group = String(input.GroupName ?? url.searchParams.get('groupName') ?? 'default');
    const action = (
      { POST: 'CreateSchedule', PUT: 'UpdateSchedule', GET: 'GetSchedule', DELETE: 'DeleteSchedule' } as const
    )[request.method as 'POST' | 'PUT' | 'GET' | 'DELETE'];
    const params = { Name: name, ...Object.fromEntries(url.searchParams), ...input, GroupName: group };
    const base = { service: 'scheduler', action: action ?? 'Unknown', params, ...meta } as const;
    this.answerJson(response, base, meta, {
      contentType: 'application/json',
      errorBody: (failure) => JSON.stringify({ Message: failure.message }),
      lostAction: action,
      run: () => {
        if (action === undefined)
          throw new FakeAwsError('UnknownOperationException', 404, 'no such operation');
        this.injected(action);
        const session = this.signedSession(request, meta.accessKeyId);
        return { session, output: this.account(session.accountId).scheduler(action, name, group, input) };
      },
    });
  }

  /** Scheduler's ListSchedules: `GET /schedules` with its filters and paging in the query. */
  private listSchedules(request: IncomingMessage, response: ServerResponse, url: URL, meta: CallMeta): void {
    const params = Object.fromEntries(url.searchParams);
    const base = { service: 'scheduler', action: 'ListSchedules', params, ...meta } as const;
    this.answerJson(response, base, meta, {
      contentType: 'application/json',
      errorBody: (failure) => JSON.stringify({ Message: failure.message }),
      lostAction: 'ListSchedules',
      run: () => {
        this.injected('ListSchedules');
        const session = this.signedSession(request, meta.accessKeyId);
        return { session, output: this.account(session.accountId).listSchedules(params, this.pageSize) };
      },
    });
  }

  /**
   * Runs one JSON-speaking call (Scheduler, sso-admin, identitystore), records it, and answers it:
   * the output, the error in the service's format, or nothing when its answer is to be lost.
   */
  private answerJson(
    response: ServerResponse,
    base: Omit<FakeAwsCall, 'session' | 'status'>,
    meta: CallMeta,
    how: {
      contentType: string;
      errorBody: (failure: FakeAwsError) => string;
      lostAction: string | undefined;
      run: () => { session: FakeAwsCall['session']; output: unknown };
    },
  ): void {
    let status = 200;
    let session: FakeAwsCall['session'];
    let payload: string;
    let failure: FakeAwsError | undefined;
    try {
      const done = how.run();
      session = done.session;
      payload = JSON.stringify(done.output);
    } catch (error) {
      failure = asFakeError(error);
      status = failure.status;
      session = this.sessionOrNone(meta.accessKeyId);
      payload = how.errorBody(failure);
    }
    const lost = how.lostAction === undefined ? undefined : this.takeLostAnswer(how.lostAction);
    this.calls.push({
      ...base,
      session,
      status,
      ...(failure ? { errorCode: failure.code } : {}),
      ...(lost ? { answerLost: lost } : {}),
    });
    if (lost) {
      loseAnswer(response, lost);
      return;
    }
    if (failure) response.setHeader('x-amzn-errortype', failure.code);
    respond(response, status, how.contentType, payload, meta.requestId);
  }

  /**
   * The awsJson1_1 services (sso-admin, identitystore): `POST /` with `X-Amz-Target:
   * <ServicePrefix>.<Action>`; answers `application/x-amz-json-1.1`, errors as `{"__type":
   * "<namespace>#<Code>", "message", ...}` with the code also in `x-amzn-errortype`.
   */
  private handleJson(
    request: IncomingMessage,
    response: ServerResponse,
    jsonTarget: string,
    body: string,
    meta: CallMeta,
  ): void {
    const { service, action } = parseJsonTarget(jsonTarget);
    let parsed: unknown;
    try {
      parsed = body.length > 0 ? JSON.parse(body) : {};
    } catch {
      // answered below as a SerializationException
    }
    const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    const params = isObject ? (parsed as Record<string, unknown>) : {};
    const base = { service: service ?? 'sso-admin', action, params, ...meta } as const;
    this.answerJson(response, base, meta, {
      contentType: 'application/x-amz-json-1.1',
      errorBody: (failure) => jsonErrorBody(failure, service),
      lostAction: service === undefined ? undefined : action,
      run: () => {
        if (service === undefined)
          throw new FakeAwsError(
            'UnknownOperationException',
            400,
            `no service for X-Amz-Target ${jsonTarget}`,
          );
        if (!isObject)
          throw new FakeAwsError('SerializationException', 400, 'The request body is not a JSON object.');
        this.injected(action);
        const session = this.jsonSession(request, meta.accessKeyId, service);
        const scope = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\//.exec(request.headers.authorization ?? '');
        const output = identityCenterCall(this.identityCenters, service, action, params, {
          accountId: session.accountId,
          region: scope?.[1],
          principalArn: `arn:${/^arn:(aws[a-z-]*):/.exec(session.roleArn)?.[1] ?? 'aws'}:sts::${session.accountId}:assumed-role/${session.roleArn.slice(session.roleArn.lastIndexOf('/') + 1)}/${session.sessionName}`,
        });
        return { session, output };
      },
    });
  }

  /**
   * The assumed-role session that signed a JSON-protocol call, checked as signedSession checks IAM
   * calls, with the JSON services' names for the errors (UnrecognizedClientException,
   * ExpiredTokenException), and the signing name the service expects.
   */
  private jsonSession(
    request: IncomingMessage,
    accessKeyId: string | undefined,
    service: keyof typeof SIGNING_NAMES,
  ): FakeSession {
    let session: FakeSession;
    try {
      session = this.signedSession(request, accessKeyId);
    } catch (error) {
      const failure = asFakeError(error);
      if (failure.code === 'InvalidClientTokenId')
        throw new FakeAwsError('UnrecognizedClientException', 403, failure.message);
      if (failure.code === 'ExpiredToken')
        throw new FakeAwsError('ExpiredTokenException', 400, failure.message);
      throw failure;
    }
    const signingName = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(
      request.headers.authorization ?? '',
    )?.[1];
    if (signingName !== SIGNING_NAMES[service])
      throw new FakeAwsError(
        'InvalidSignatureException',
        403,
        `Credential should be scoped to correct service: '${SIGNING_NAMES[service]}'.`,
      );
    return session;
  }

  /** Whether the answer to this call of `action` is to be lost, and how (loseNextAnswers). */
  private takeLostAnswer(action: string): 'drop' | 'error' | undefined {
    const loss = this.lostAnswers.get(action);
    if (loss === undefined) return undefined;
    loss.remaining -= 1;
    if (loss.remaining <= 0) this.lostAnswers.delete(action);
    return loss.how;
  }

  private injected(action: string): void {
    const failure = this.failures.get(action);
    if (failure === undefined) return;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.failures.delete(action);
    throw new FakeAwsError(failure.code, failure.status, failure.message);
  }

  private sessionOrNone(accessKeyId: string | undefined): FakeSession | undefined {
    return accessKeyId === undefined ? undefined : this.sessions.get(accessKeyId);
  }

  /** IAM and Scheduler calls must come from an assumed session, as they would in a target account. */
  private signedSession(request: IncomingMessage, accessKeyId: string | undefined): FakeSession {
    const session = this.sessionOrNone(accessKeyId);
    if (session === undefined || request.headers['x-amz-security-token'] !== session.sessionToken)
      throw new FakeAwsError(
        'InvalidClientTokenId',
        403,
        'The security token included in the request is invalid.',
      );
    if (session.expiration.getTime() <= Date.now())
      throw new FakeAwsError('ExpiredToken', 400, 'The security token included in the request is expired');
    return session;
  }

  private iamAction(action: string, params: Record<string, string>, session: FakeSession): string {
    if (action === 'GetRole') return this.getRole(params, session);
    return iamResult(this.account(session.accountId), action, params, this.pageSize);
  }

  /** IAM GetRole in the session's account; the trust policy URL-encoded, as IAM sends it. */
  private getRole(params: Record<string, string>, session: FakeSession): string {
    const name = params.RoleName ?? '';
    const role = this.iamRoles.get(`${session.accountId}/${name}`);
    if (role === undefined)
      throw new FakeAwsError('NoSuchEntity', 404, `The role with name ${name} cannot be found.`);
    const path = role.arn.slice(role.arn.indexOf(':role') + 5, role.arn.lastIndexOf('/') + 1);
    return `<Role><Path>${escapeXml(path)}</Path><RoleName>${escapeXml(name)}</RoleName><RoleId>AROAFAKE${name.length}</RoleId><Arn>${escapeXml(role.arn)}</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>${escapeXml(encodeURIComponent(role.trust))}</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration></Role>`;
  }

  /** Scheduler's GetScheduleGroup (`GET /schedule-groups/{Name}`), in the region the call is signed for. */
  private getScheduleGroup(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    meta: CallMeta,
  ): void {
    const name = decodeURIComponent(url.pathname.slice('/schedule-groups/'.length));
    const region = meta.signingRegion ?? '';
    const base = {
      service: 'scheduler',
      action: 'GetScheduleGroup',
      params: { Name: name, region },
      ...meta,
    } as const;
    this.answerJson(response, base, meta, {
      contentType: 'application/json',
      errorBody: (failure) => JSON.stringify({ Message: failure.message }),
      lostAction: 'GetScheduleGroup',
      run: () => {
        this.injected('GetScheduleGroup');
        const session = this.signedSession(request, meta.accessKeyId);
        if (!this.scheduleGroups.has(`${session.accountId}/${region}/${name}`))
          throw new FakeAwsError('ResourceNotFoundException', 404, `Schedule group ${name} does not exist.`);
        const created = Date.parse('2026-01-01T00:00:00Z') / 1000;
        const output = {
          Arn: `arn:aws:scheduler:${region}:${session.accountId}:schedule-group/${name}`,
          Name: name,
          State: 'ACTIVE',
          CreationDate: created,
          LastModificationDate: created,
        };
        return { session, output };
      },
    });
  }

  private assumeRole(params: Record<string, string>): string {
    const roleArn = params.RoleArn ?? '';
    const sessionName = params.RoleSessionName ?? '';
    const expected = this.roles.get(roleArn);
    const [, partition = 'aws', accountId] = /^arn:(aws[a-z-]*):iam::(\d{12}):role\//.exec(roleArn) ?? [];
    if (
      accountId === undefined ||
      !this.roles.has(roleArn) ||
      (expected !== undefined && params.ExternalId !== expected)
    )
      throw new FakeAwsError(
        'AccessDenied',
        403,
        `User: arn:aws:iam::000000000000:user/jitbot is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
      throw new FakeAwsError(
        'ValidationError',
        400,
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`,
      );
    const seconds = this.credentialLifetimeSeconds ?? Number(params.DurationSeconds ?? 3600);
    const session: FakeSession = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      sessionToken: randomBytes(24).toString('base64'),
      roleArn,
      sessionName,
      ...(params.ExternalId !== undefined ? { externalId: params.ExternalId } : {}),
      accountId,
      expiration: new Date(Date.now() + seconds * 1000),
    };
    this.sessions.set(session.accessKeyId, session);
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    return `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('hex')}</SecretAccessKey><SessionToken>${session.sessionToken}</SessionToken><Expiration>${session.expiration.toISOString()}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAFAKE:${sessionName}</AssumedRoleId><Arn>arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${sessionName}</Arn></AssumedRoleUser>`;
  }
}

/**
 * IAM's removeUserFromGroup and detachUserPolicy through a GovCloud or China universal target, as
 * the account's own state runs the commercial ones; undefined for any other target.
 */
function runPartitionIamTarget(
  account: FakeAwsAccount,
  arn: string,
  input: Record<string, unknown>,
): 'removed' | 'NoSuchEntity' | undefined {
  const api = PARTITION_IAM_TARGET.exec(arn)?.[1];
  if (api === undefined) return undefined;
  const user = String(input.UserName ?? '');
  const holders =
    api === 'removeUserFromGroup'
      ? account.groups.get(String(input.GroupName ?? ''))
      : account.policies.get(String(input.PolicyArn ?? ''));
  return holders?.delete(user) ? 'removed' : 'NoSuchEntity';
}

/** The client never hears how the call went: the connection is cut, or AWS says it failed. */
function loseAnswer(response: ServerResponse, how: 'drop' | 'error'): void {
  if (how === 'drop') {
    response.socket?.destroy();
    return;
  }
  response.setHeader('x-amzn-errortype', 'InternalServerException');
  respond(
    response,
    500,
    'application/json',
    JSON.stringify({ Message: 'injected: answer lost' }),
    randomUUID(),
  );
}

function asFakeError(error: unknown): FakeAwsError {
  if (error instanceof FakeAwsError) return error;
  return new FakeAwsError('InternalFailure', 500, error instanceof Error ? error.message : String(error));
}

function respond(
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  requestId: string,
): void {
  response.writeHead(status, { 'content-type': type, 'x-amzn-requestid': requestId });
  response.end(body);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
