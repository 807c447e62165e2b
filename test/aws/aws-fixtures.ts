import { pino } from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type AwsConnector, createAwsConnector } from '../../src/aws/connector.js';
import type { Account, AwsIamGroupTarget } from '../../src/domain/catalog.js';
import type { CallContext, ExternalCall } from '../../src/ports/access-provider.js';
import { FakeAws } from '../support/fake-aws.js';

export const EXTERNAL_ID = 'ext-8c1f5e2a-secret';
export const BASE_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' };

export function buildAccount(overrides: Partial<Account> = {}): Account {
  return {
    id: 'prod',
    name: 'Production',
    accountId: '111111111111',
    region: 'eu-west-1',
    connectorRoleArn: 'arn:aws:iam::111111111111:role/jitbot-connector',
    externalId: EXTERNAL_ID,
    schedulerRoleArn: 'arn:aws:iam::111111111111:role/jitbot-scheduler',
    userMapping: { explicit: {}, otherwise: 'email-local-part' },
    ...overrides,
  };
}

export function buildTarget(overrides: Partial<AwsIamGroupTarget> = {}): AwsIamGroupTarget {
  return {
    id: 'prod-admin',
    name: 'Production admin',
    kind: 'aws-iam-group',
    account: 'prod',
    group: 'jit-admin',
    durations: { defaultSeconds: 3600, maxSeconds: 14400 },
    approvers: { users: ['UAPPROVER1'], userGroups: [], required: 1 },
    selfApproval: false,
    breakglass: false,
    standingMembers: [],
    onDrift: 'alert',
    ...overrides,
  };
}

export function context(overrides: Partial<CallContext> = {}): CallContext {
  return { requestId: 'R-2026-0001', grantId: 'G-1', actor: 'UREQUESTER1', ...overrides };
}

/** A started fake AWS for the file, reset between tests, and a connector factory talking to it. */
export function useFakeAws() {
  const state = { fake: new FakeAws(), url: '' };
  const recorded: ExternalCall[] = [];
  const connectors: AwsConnector[] = [];
  beforeAll(async () => {
    state.url = await state.fake.start();
  });
  afterAll(async () => {
    await state.fake.stop();
  });
  afterEach(async () => {
    for (const connector of connectors.splice(0)) connector.close();
    recorded.splice(0);
    await state.fake.stop();
    state.fake = new FakeAws();
    state.url = await state.fake.start();
  });
  return {
    get fake() {
      return state.fake;
    },
    recorded,
    get url() {
      return state.url;
    },
    /**
     * The account's roles set up in the fake, and a connector with SDK retries off, or with
     * jitbot's own retries (`'production'`), to test them.
     */
    connect(
      accounts: readonly Account[] = [buildAccount()],
      retries: 'off' | 'production' = 'off',
    ): AwsConnector {
      for (const account of accounts) state.fake.addRole(account.connectorRoleArn, account.externalId);
      const connector = createAwsConnector({
        accounts,
        endpoint: state.url,
        credentials: BASE_CREDENTIALS,
        ...(retries === 'off' ? { maxAttempts: 1 } : {}),
        logger: pino({ level: 'silent' }),
        record: async (call) => {
          recorded.push(call);
        },
      });
      connectors.push(connector);
      return connector;
    },
  };
}
