import { type AwsConnector, type AwsCredentials, createAwsConnector } from '../aws/connector.js';
import { createSchedulerBackstop } from '../aws/scheduler-backstop.js';
import { type AwsTarget, type Catalog, accountFor as catalogAccountFor } from '../domain/catalog.js';
import type { Logger } from '../log/logger.js';
import type { CallRecorder, ProviderRegistry } from '../ports/access-provider.js';
import { createAwsIamGroupProvider } from './aws-iam-group.js';
import { createAwsIamPolicyProvider } from './aws-iam-policy.js';
import { createOktaGroupProvider } from './okta-group.js';

export interface ProviderOptions {
  readonly catalog: Catalog;
  readonly record: CallRecorder;
  readonly logger: Logger;
  /** Tests and proxies: one endpoint for STS, IAM and Scheduler (else the SDK's own resolution). */
  readonly awsEndpoint?: string;
  readonly awsCredentials?: AwsCredentials;
}

export interface Providers {
  readonly registry: ProviderRegistry;
  readonly aws: AwsConnector;
  close(): void;
}

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
  const backstop = createSchedulerBackstop({ accountFor, connector: aws, record });
  const registry: ProviderRegistry = {
    'aws-iam-group': createAwsIamGroupProvider({ accountFor, connector: aws, backstop, record }),
    'aws-iam-policy': createAwsIamPolicyProvider({ accountFor, connector: aws, backstop, record }),
    ...(catalog.okta ? { 'okta-group': createOktaGroupProvider({ settings: catalog.okta, record }) } : {}),
  };
  return { registry, aws, close: () => aws.close() };
}
