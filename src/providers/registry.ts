import { type AwsConnector, type AwsCredentials, createAwsConnector } from '../aws/connector.js';
import { createSchedulerBackstop, iamRemoval } from '../aws/scheduler-backstop.js';
import {
  type AwsTarget,
  type Catalog,
  accountFor as catalogAccountFor,
  type Target,
} from '../domain/catalog.js';
import { withDeadline } from '../domain/deadline.js';
import type { Logger } from '../log/logger.js';
import type { CallRecorder, ProviderRegistry } from '../ports/access-provider.js';
import { createAwsIamGeneratedPolicyProvider } from './aws-iam-generated-policy.js';
import { createAwsIamGroupProvider } from './aws-iam-group.js';
import { createAwsIamPolicyProvider } from './aws-iam-policy.js';
import { createIdentityCenterProviders } from './identity-center-providers.js';
import { createOktaGroupProvider } from './okta-group.js';

function ofKind<K extends Target['kind']>(catalog: Catalog, kind: K): Extract<Target, { kind: K }>[] {
  return catalog.targets.filter((target): target is Extract<Target, { kind: K }> => target.kind === kind);
}

export interface ProviderOptions {
  readonly catalog: Catalog;
  readonly record: CallRecorder;
  readonly logger: Logger;
  /** Tests and proxies: one endpoint for STS, IAM and Scheduler (else the SDK's own resolution). */
  readonly awsEndpoint?: string;
  readonly awsCredentials?: AwsCredentials;
  /** How long a grant waits on an Identity Center assignment before a retry takes over the wait. */
  readonly assignmentWaitMs?: number;
}

export interface Providers {
  readonly registry: ProviderRegistry;
  readonly aws: AwsConnector;
  /**
   * Reads what the words for approvers need from the providers (permission set and group names),
   * within `ms`; what is not read by then is named by its id.
   */
  prepare(ms: number): Promise<void>;
  close(): void;
}

const PREPARE_CONTEXT = { requestId: 'startup', actor: 'jitbot' } as const;

/** The composition of every target kind jitbot knows; a new kind is one more line here. */
export function createProviders(options: ProviderOptions): Providers {
  const { catalog, record } = options;
  const aws = createAwsConnector({
    accounts: catalog.accounts,
    record,
    logger: options.logger.child({ component: 'aws' }),
    ...(options.awsEndpoint ? { endpoint: options.awsEndpoint } : {}),
    ...(options.awsCredentials ? { credentials: options.awsCredentials } : {}),
  });
  const accountFor = (target: AwsTarget) => catalogAccountFor(catalog, target);
  const backstop = createSchedulerBackstop<AwsTarget>({
    accountFor,
    removalFor: async (target, principal, account, context, grantId) =>
      iamRemoval(account, target, principal, grantId, context.state),
    connector: aws,
    record,
  });
  const identityCenter = catalog.identityCenter
    ? createIdentityCenterProviders({
        catalog,
        settings: catalog.identityCenter,
        connector: aws,
        record,
        ...(options.assignmentWaitMs !== undefined ? { waitMs: options.assignmentWaitMs } : {}),
      })
    : undefined;
  const registry: ProviderRegistry = {
    'aws-iam-group': createAwsIamGroupProvider({ accountFor, connector: aws, backstop, record }),
    'aws-iam-policy': createAwsIamPolicyProvider({ accountFor, connector: aws, backstop, record }),
    'aws-iam-generated-policy': createAwsIamGeneratedPolicyProvider({
      accountFor,
      connector: aws,
      backstop,
      record,
    }),
    ...(catalog.okta ? { 'okta-group': createOktaGroupProvider({ settings: catalog.okta, record }) } : {}),
    ...(identityCenter
      ? { 'aws-sso-permission-set': identityCenter.permissionSets, 'aws-sso-group': identityCenter.groups }
      : {}),
  };
  const logger = options.logger;
  return {
    registry,
    aws,
    async prepare(ms) {
      if (!identityCenter) return;
      const reads = Promise.all([
        identityCenter.permissionSets.prepare(ofKind(catalog, 'aws-sso-permission-set'), PREPARE_CONTEXT),
        identityCenter.groups.prepare(ofKind(catalog, 'aws-sso-group'), PREPARE_CONTEXT),
      ]);
      try {
        await withDeadline(reads, ms);
      } catch (error) {
        logger.warn(
          { err: error },
          'could not read the names of Identity Center permission sets and groups; approvers see their ids until a restart (jitbot doctor checks them)',
        );
      }
    },
    close: () => aws.close(),
  };
}
