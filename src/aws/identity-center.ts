import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import {
  type AccountAssignmentOperationStatus,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import type { Account, IdentityCenterSettings } from '../domain/catalog.js';
import {
  type CallContext,
  type CallRecorder,
  isProviderError,
  ProviderError,
} from '../ports/access-provider.js';
import { callAws } from './aws-call.js';
import { awsErrorCode } from './aws-errors.js';
import type { AwsConnector } from './connector.js';

/*
 * The calls both Identity Center kinds make: recorded, as the connector session in the Identity
 * Center account and home region, with errors in words; and the wait for an account assignment,
 * which AWS makes asynchronously.
 */

export interface IdentityCenterDeps {
  readonly settings: IdentityCenterSettings;
  /** The catalog account jitbot assumes for Identity Center, with Identity Center's home region. */
  readonly account: Account;
  readonly connector: Pick<AwsConnector, 'clientsFor'>;
  readonly record: CallRecorder;
  /** How long one grant or revoke waits for an assignment before handing the wait to a retry. */
  readonly waitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One call, as the audit log and the error words name it. */
export interface IdentityCenterOperation {
  readonly operation: string;
  readonly targetId: string;
  readonly principal?: string;
  /** What was acted on (a permission set ARN, a group id). */
  readonly resource: string;
  /** The same in words: "permission set ps-1234 in account 111111111111". */
  readonly resourceWords: string;
}

type Output = { readonly $metadata: { readonly requestId?: string } };

const WAIT_MS = 20_000;
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 2_000;

export function identityCenterCaller(deps: IdentityCenterDeps) {
  const { account } = deps;
  async function call<C, O extends Output>(
    service: 'sso-admin' | 'identitystore',
    client: (clients: { ssoAdmin: SSOAdminClient; identityStore: IdentitystoreClient }) => C,
    about: IdentityCenterOperation,
    context: CallContext,
    send: (client: C) => Promise<O>,
  ): Promise<O> {
    const clients = await deps.connector.clientsFor(account, context);
    const prefix = service === 'sso-admin' ? 'sso' : 'identitystore';
    return callAws(
      deps.record,
      {
        action: `aws.${service}.${about.operation}`,
        context,
        targetId: about.targetId,
        account: account.accountId,
        resource: about.resource,
        ...(about.principal !== undefined ? { principal: about.principal } : {}),
      },
      {
        operation: `${prefix}:${about.operation}`,
        accountId: account.accountId,
        resource: about.resourceWords,
      },
      () => send(client(clients)),
    );
  }
  return {
    ssoAdmin: <O extends Output>(
      about: IdentityCenterOperation,
      context: CallContext,
      send: (client: SSOAdminClient) => Promise<O>,
    ) => call('sso-admin', (clients) => clients.ssoAdmin, about, context, send),
    identityStore: <O extends Output>(
      about: IdentityCenterOperation,
      context: CallContext,
      send: (client: IdentitystoreClient) => Promise<O>,
    ) => call('identitystore', (clients) => clients.identityStore, about, context, send),
  };
}

export type IdentityCenterCall = ReturnType<typeof identityCenterCaller>;

export function hasAwsCode(error: unknown, code: string): boolean {
  return isProviderError(error) && awsErrorCode(error.cause) === code;
}

/** A reason AWS gives for a FAILED assignment that says trying again may work. */
const PASSING_FAILURE = /throttl|rate|internal|try again|temporar|timeout|busy/i;

function failedAssignment(change: AssignmentChange, status: AccountAssignmentOperationStatus): ProviderError {
  const reason = status.FailureReason ?? 'no reason given';
  const retryable = PASSING_FAILURE.test(reason);
  return new ProviderError(
    'aws_assignment_failed',
    `Identity Center could not ${change === 'creation' ? 'assign' : 'remove'} the permission set: ${reason}` +
      (retryable ? '; jitbot will try again' : ''),
    { kind: retryable ? 'unavailable' : 'invalid' },
  );
}

export type AssignmentChange = 'creation' | 'deletion';

/** Where an assignment request stands: its one Describe call for each kind of change. */
async function assignmentStatus(
  ssoAdmin: IdentityCenterCall['ssoAdmin'],
  change: AssignmentChange,
  InstanceArn: string,
  requestId: string,
  about: IdentityCenterOperation,
  context: CallContext,
): Promise<AccountAssignmentOperationStatus | undefined> {
  if (change === 'creation') {
    const answer = await ssoAdmin(
      { ...about, operation: 'DescribeAccountAssignmentCreationStatus' },
      context,
      (client) =>
        client.send(
          new DescribeAccountAssignmentCreationStatusCommand({
            InstanceArn,
            AccountAssignmentCreationRequestId: requestId,
          }),
        ),
    );
    return answer.AccountAssignmentCreationStatus;
  }
  const answer = await ssoAdmin(
    { ...about, operation: 'DescribeAccountAssignmentDeletionStatus' },
    context,
    (client) =>
      client.send(
        new DescribeAccountAssignmentDeletionStatusCommand({
          InstanceArn,
          AccountAssignmentDeletionRequestId: requestId,
        }),
      ),
  );
  return answer.AccountAssignmentDeletionStatus;
}

/**
 * Waits for an account assignment request until AWS says SUCCEEDED or FAILED. After `waitMs` it
 * gives up for now with a retryable error: the request id is stored with the grant, so the retry
 * (in this process or another, after a restart) waits on the same request instead of asking again.
 */
export async function waitForAssignment(
  deps: IdentityCenterDeps,
  ssoAdmin: IdentityCenterCall['ssoAdmin'],
  change: AssignmentChange,
  requestId: string,
  about: IdentityCenterOperation,
  context: CallContext,
): Promise<void> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + (deps.waitMs ?? WAIT_MS);
  const InstanceArn = deps.settings.instanceArn;
  let delay = FIRST_POLL_MS;
  for (;;) {
    const status = await assignmentStatus(ssoAdmin, change, InstanceArn, requestId, about, context);
    if (status?.Status === 'SUCCEEDED') return;
    if (status?.Status === 'FAILED') throw failedAssignment(change, status);
    if (Date.now() + delay > deadline)
      throw new ProviderError(
        'aws_assignment_in_progress',
        `Identity Center is still ${change === 'creation' ? 'assigning' : 'removing'} the permission set; jitbot will keep waiting`,
        { kind: 'timeout' },
      );
    await sleep(delay);
    delay = Math.min(MAX_POLL_MS, delay * 2);
  }
}

/**
 * AWS answers ConflictException while another request changes the same assignment (a grant racing
 * a revoke); it asks callers to try again, which jitbot's job retries do.
 */
export function busyAssignment(error: unknown): unknown {
  if (!hasAwsCode(error, 'ConflictException') || !isProviderError(error)) return error;
  return new ProviderError(
    'aws_assignment_busy',
    'Identity Center is still changing this assignment for another request; jitbot will try again',
    { kind: 'unavailable', cause: error.cause },
  );
}
