import { IAMClient } from '@aws-sdk/client-iam';
import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import {
  AssumeRoleCommand,
  type AssumeRoleCommandOutput,
  STSClient,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { Account } from '../domain/catalog.js';
import { iamRegionOf, partitionOf } from '../domain/partition.js';
import { sessionNameFor } from '../domain/session-names.js';
import { outboundProxy } from '../http/outbound-proxy.js';
import type { Logger } from '../log/logger.js';
import { type CallContext, type CallRecorder, ProviderError } from '../ports/access-provider.js';
import { awsErrorFacts, toProviderError } from './aws-errors.js';
import { REVOCATION_MAX_ATTEMPTS, RevocationRetryStrategy } from './revocation-retries.js';

/** Temporary (or base) AWS credentials, as the SDK clients take them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface AwsConnectorOptions {
  readonly accounts: readonly Account[];
  /** Tests only: a local fake. In production leave it out; the SDK reads AWS_ENDPOINT_URL itself. */
  readonly endpoint?: string;
  /** jitbot's own identity, which assumes the connector roles; default: the SDK's credential chain. */
  readonly credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** Tries per call, for every call alike (tests turn the SDK's retries off with 1); default: 5, and 9 for a revocation's. */
  readonly maxAttempts?: number;
  readonly record: CallRecorder;
  readonly logger: Logger;
  /** How many assumed sessions to keep; the oldest is dropped beyond it. */
  readonly cacheSize?: number;
}

export interface AwsClients {
  readonly account: Account;
  /** IAM is global within a partition: made in the region its endpoint signs in (partition.ts). */
  readonly iam: IAMClient;
  /** In `account.region`, as are the two below. */
  readonly scheduler: SchedulerClient;
  readonly ssoAdmin: SSOAdminClient;
  readonly identityStore: IdentitystoreClient;
}

export interface AwsConnector {
  /** The catalog account with this catalog id; a miss is a bug (loading checks targets' accounts). */
  account(id: string): Account;
  /** Clients signed as the account's connector role, in a session named after the request. Assumes first. */
  clientsFor(account: Account, context: CallContext): Promise<AwsClients>;
  /** Closes pooled connections (at shutdown). */
  close(): void;
}

const SESSION_SECONDS = 900;
const REFRESH_BEFORE_MS = 2 * 60_000;

export { revocationSessionName, sessionNameFor } from '../domain/session-names.js';

/** The session a call signs in: the one it shares, or its request's own. */
function sessionOf(context: CallContext): string {
  return context.session ?? sessionNameFor(context.requestId);
}

interface Session {
  credentials: Promise<AwsCredentials>;
  /** By region: one account's session may be used in several (Identity Center's home region). */
  readonly clients: Map<string, AwsClients>;
}

export function createAwsConnector(options: AwsConnectorOptions): AwsConnector {
  const maxAttempts = options.maxAttempts ?? 5;
  // Each session holds its own SDK clients (about a quarter of a megabyte): a session is used
  // within one grant's or one batch's work, minutes at most, so a few dozen in flight are enough and
  // a long cache only holds memory (1,000 held about 250 MB). Beyond this the oldest is dropped.
  const cacheSize = options.cacheSize ?? 32;
  // Every client shares one connection pool, so per-session clients do not each keep sockets open.
  // Through the outbound proxy when there is one; STS's nested clients (web identity) inherit it.
  const agents = outboundProxy().nodeAgents();
  // Not adaptive: that holds every later call back on its client after a throttle, and a revocation
  // must not wait on a limiter tuned by other grants' calls. Short steps between the SDK's own tries
  // (up to 100, 200, 400, 800 ms), not the standard 0.5 s doubling for a throttle: the SDK's retries are for
  // blips; a throttle that outlasts them goes back to jitbot's durable retry, which backs off for as
  // long as it takes without holding up anything else. One per client, as each had its own quota.
  const retries = () =>
    new ConfiguredRetryStrategy(maxAttempts, (attempt) => 50 * 2 ** attempt * (0.5 + Math.random() / 2));
  const settings = () => ({ ...common, retryStrategy: retries() });
  // A shared session is a revocation's (CallContext.session): its calls retry its own way.
  const settingsFor = (context: CallContext) =>
    context.session === undefined
      ? settings()
      : {
          ...common,
          maxAttempts: options.maxAttempts ?? REVOCATION_MAX_ATTEMPTS,
          retryStrategy: new RevocationRetryStrategy(options.maxAttempts ?? REVOCATION_MAX_ATTEMPTS),
        };
  const common = {
    maxAttempts,
    // Each command's middleware is resolved once per client, not on every call: jitbot never
    // changes a client's middleware after making it, and a burst of revocations makes thousands.
    cacheMiddleware: true,
    requestHandler: { ...agents, connectionTimeout: 5_000, requestTimeout: 30_000 },
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
  } as const;
  const stsClients = new Map<string, STSClient>();
  const sessions = new Map<string, Session>();

  function stsFor(region: string): STSClient {
    let client = stsClients.get(region);
    if (client === undefined) {
      const config: STSClientConfig = {
        ...settings(),
        region,
        ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
      };
      client = new STSClient(config);
      stsClients.set(region, client);
    }
    return client;
  }

  async function assume(
    account: Account,
    context: CallContext,
    sessionName: string,
  ): Promise<AwsCredentials> {
    const base = {
      action: 'aws.sts.AssumeRole',
      context,
      account: account.accountId,
      resource: account.connectorRoleArn,
    };
    let output: AssumeRoleCommandOutput;
    let issued: { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string; Expiration?: Date };
    try {
      // STS in the account's own region: its regional endpoint is in the account's partition,
      // the only one where the role can be assumed (the catalog has the region in that partition).
      output = await stsFor(account.region).send(
        new AssumeRoleCommand({
          RoleArn: account.connectorRoleArn,
          RoleSessionName: sessionName,
          ExternalId: account.externalId,
          DurationSeconds: SESSION_SECONDS,
        }),
      );
      const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = output.Credentials ?? {};
      if (!AccessKeyId || !SecretAccessKey) throw new Error('AssumeRole answered without credentials');
      issued = {
        AccessKeyId,
        SecretAccessKey,
        ...(SessionToken !== undefined ? { SessionToken } : {}),
        ...(Expiration !== undefined ? { Expiration } : {}),
      };
    } catch (error) {
      const failure = assumeRoleError(error, account);
      await options.record({
        ...base,
        outcome: 'error',
        errorCode: awsErrorFacts(error).code,
        error: failure.message,
        ...(failure.providerRequestId !== undefined ? { providerRequestId: failure.providerRequestId } : {}),
      });
      throw failure;
    }
    // Outside the try: a failure to record (the database) is that, not an AWS refusal.
    await options.record({ ...base, outcome: 'ok', providerRequestId: output.$metadata.requestId });
    options.logger.debug(
      { accountId: account.accountId, roleArn: account.connectorRoleArn, sessionName },
      'assumed connector role',
    );
    return {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      ...(issued.SessionToken !== undefined ? { sessionToken: issued.SessionToken } : {}),
      ...(issued.Expiration !== undefined ? { expiration: issued.Expiration } : {}),
    };
  }

  function fresh(credentials: AwsCredentials): boolean {
    return (
      credentials.expiration === undefined ||
      credentials.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS
    );
  }

  /** Cached credentials for the session, refreshed near expiry; concurrent callers share one AssumeRole. */
  async function credentialsFor(account: Account, context: CallContext): Promise<AwsCredentials> {
    const sessionName = sessionOf(context);
    const key = `${account.id}\n${sessionName}`;
    const session = sessions.get(key);
    if (session !== undefined) {
      // Kept in the order of use, so the one evicted is the least used: a revocation session in
      // use for minutes is not pushed out by a stream of one-request sessions.
      sessions.delete(key);
      sessions.set(key, session);
      const current = session.credentials;
      const credentials = await current;
      if (fresh(credentials)) return credentials;
      // Only the first caller to notice the expiry starts the refresh; the others wait on it.
      if (session.credentials === current)
        session.credentials = startAssume(key, account, context, sessionName);
      return session.credentials;
    }
    const created: Session = {
      credentials: startAssume(key, account, context, sessionName),
      clients: new Map(),
    };
    sessions.set(key, created);
    if (sessions.size > cacheSize) {
      const oldest = sessions.keys().next().value;
      if (oldest !== undefined) sessions.delete(oldest);
    }
    return created.credentials;
  }

  function startAssume(
    key: string,
    account: Account,
    context: CallContext,
    name: string,
  ): Promise<AwsCredentials> {
    const pending = assume(account, context, name);
    // A failed AssumeRole is not cached: the next call tries again (the trust policy may be fixed by then).
    pending.catch(() => {
      if (sessions.get(key)?.credentials === pending) sessions.delete(key);
    });
    return pending;
  }

  return {
    account(id) {
      const account = options.accounts.find((candidate) => candidate.id === id);
      if (account === undefined) throw new Error(`account ${id} is not in the catalog`);
      return account;
    },
    async clientsFor(account, context) {
      await credentialsFor(account, context);
      const key = `${account.id}\n${sessionOf(context)}`;
      const session = sessions.get(key);
      const cached = session?.clients.get(account.region);
      if (cached !== undefined) return cached;
      // The clients ask again before each request (the SDK memoizes), so long-lived ones refresh too.
      const credentials = () => credentialsFor(account, context);
      const region = account.region;
      // Identity Center's clients are made on first use: most sessions never need them.
      let ssoAdmin: SSOAdminClient | undefined;
      let identityStore: IdentitystoreClient | undefined;
      const clients: AwsClients = {
        account,
        iam: new IAMClient({
          ...settingsFor(context),
          region: iamRegionOf(partitionOf(account.connectorRoleArn)),
          credentials,
        }),
        scheduler: new SchedulerClient({ ...settingsFor(context), region, credentials }),
        get ssoAdmin() {
          ssoAdmin ??= new SSOAdminClient({ ...settingsFor(context), region, credentials });
          return ssoAdmin;
        },
        get identityStore() {
          identityStore ??= new IdentitystoreClient({ ...settingsFor(context), region, credentials });
          return identityStore;
        },
      };
      session?.clients.set(region, clients);
      return clients;
    },
    close() {
      agents.httpAgent.destroy();
      agents.httpsAgent.destroy();
    },
  };
}

function assumeRoleError(error: unknown, account: Account): ProviderError {
  const facts = awsErrorFacts(error);
  if (facts.code === 'AccessDenied' || facts.code === 'AccessDeniedException') {
    // The fixed message never echoes AWS's text, so the external id cannot leak through it.
    return new ProviderError(
      'assume_role_denied',
      `jitbot could not assume ${account.connectorRoleArn} in account ${account.accountId}: check the role's trust policy and external ID`,
      {
        kind: 'denied',
        cause: error,
        ...(facts.requestId !== undefined ? { providerRequestId: facts.requestId } : {}),
      },
    );
  }
  const failure = toProviderError(error, {
    operation: 'sts:AssumeRole',
    accountId: account.accountId,
    resource: `role ${account.connectorRoleArn}`,
  });
  if (failure.code !== 'aws_bad_credentials') return failure;
  // What an identity of another partition gets: the partition's STS has never heard of it.
  const partition = partitionOf(account.connectorRoleArn);
  return new ProviderError(
    failure.code,
    `${failure.message}; jitbot's own identity must be of the partition ${partition} (the role's), since a role can be assumed only from its own partition`,
    {
      kind: failure.kind,
      retryable: failure.retryable,
      cause: error,
      ...(failure.providerRequestId !== undefined ? { providerRequestId: failure.providerRequestId } : {}),
    },
  );
}
