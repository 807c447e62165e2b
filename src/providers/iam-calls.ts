import { GetUserCommand, type IAMClient } from '@aws-sdk/client-iam';
import { callAws } from '../aws/aws-call.js';
import { awsErrorCode } from '../aws/aws-errors.js';
import type { AwsConnector } from '../aws/connector.js';
import type { Account, AwsTarget } from '../domain/catalog.js';
import { iamUserNameOf } from '../domain/iam-user-name.js';
import {
  type CallContext,
  type CallRecorder,
  isProviderError,
  type RevokeResult,
  type SlackPerson,
} from '../ports/access-provider.js';

/*
 * The IAM calls both IAM kinds (aws-iam-group, aws-iam-policy) make the same way: one recorded
 * call as the connector session, finding the requester's IAM user, paging, and NoSuchEntity as
 * an outcome rather than an error.
 */

/** What the AWS target kinds share: the connector session, the audit, and the IAM user. */
export interface IamDeps<T extends AwsTarget> {
  /** The catalog account of a target (`accountFor(catalog, target)`). */
  readonly accountFor: (target: T) => Account;
  readonly connector: Pick<AwsConnector, 'clientsFor'>;
  readonly record: CallRecorder;
}

/** One IAM call, as the audit log and the error words name it. */
export interface IamOperation {
  readonly operation: string;
  /** Whose access the call is about; absent for a listing of everyone's (drift's reads). */
  readonly principal?: string;
  /** The thing acted on: a group name, a policy ARN, an IAM user. */
  readonly resource: string;
  /** The same, in the words an error message uses: "group jit-admin", "IAM user alice". */
  readonly resourceWords: string;
}

export function accountWords(account: Account): string {
  return `${account.name} (${account.accountId})`;
}

/** `IAM user alice in Production (111111111111)`: who an AWS grant goes to. */
export function iamUserWords(userName: string, account: Account): string {
  return `IAM user ${userName} in ${accountWords(account)}`;
}

function isNoSuchEntity(error: unknown): boolean {
  return isProviderError(error) && awsErrorCode(error.cause) === 'NoSuchEntity';
}

/** A read about a user that does not exist: that user has no group and no policy. */
export async function unlessNoUser(read: () => Promise<boolean>): Promise<boolean> {
  try {
    return await read();
  } catch (error) {
    if (isNoSuchEntity(error)) return false;
    throw error;
  }
}

/** NoSuchEntity on a removal means removed by hand or by the backstop: gone, as was asked. */
export async function removedOrAlreadyGone(remove: () => Promise<unknown>): Promise<RevokeResult> {
  try {
    await remove();
    return 'removed';
  } catch (error) {
    if (isNoSuchEntity(error)) return 'already-gone';
    throw error;
  }
}

/** Runs IAM operations as the target's connector session, recorded and with errors in words. */
export function iamCaller<T extends AwsTarget>(deps: IamDeps<T>) {
  return async function iam<O extends { readonly $metadata: { readonly requestId?: string } }>(
    target: T,
    { operation, principal, resource, resourceWords }: IamOperation,
    context: CallContext,
    send: (client: IAMClient) => Promise<O>,
  ): Promise<O> {
    const account = deps.accountFor(target);
    const { iam: client } = await deps.connector.clientsFor(account, context);
    return callAws(
      deps.record,
      {
        action: `aws.iam.${operation}`,
        context,
        targetId: target.id,
        account: account.accountId,
        resource,
        ...(principal !== undefined ? { principal } : {}),
      },
      { operation: `iam:${operation}`, accountId: account.accountId, resource: resourceWords },
      () => send(client),
    );
  };
}

export type IamCall<T extends AwsTarget> = ReturnType<typeof iamCaller<T>>;

/**
 * The IAM user a Slack person is in the target's account, checked to exist (GetUser), or the
 * reason in words why there is none. `resource` is what the audit row names (the group, the policy).
 */
export async function findIamUser<T extends AwsTarget>(
  iam: IamCall<T>,
  account: Account,
  target: T,
  person: SlackPerson,
  resource: string,
  context: CallContext,
): Promise<{ ok: true; userName: string } | { ok: false; reason: string }> {
  const where = accountWords(account);
  const mapped = iamUserNameOf(person, account.userMapping, where);
  if (!mapped.ok) return mapped;
  const { userName } = mapped;
  try {
    await iam(
      target,
      { operation: 'GetUser', principal: userName, resource, resourceWords: `IAM user ${userName}` },
      context,
      (client) => client.send(new GetUserCommand({ UserName: userName })),
    );
    return { ok: true, userName };
  } catch (error) {
    if (!isNoSuchEntity(error)) throw error;
    return {
      ok: false,
      reason: `There is no IAM user ${userName} in ${where}. Ask an admin of that account to create it, or a jitbot admin to map you to your IAM user in the catalog.`,
    };
  }
}

/** IAM's largest page: a listing of everyone (drift) takes as few calls as it can. */
export const IAM_MAX_ITEMS = 1000;

/** Every item of a paginated IAM list (`IsTruncated` / `Marker`). */
export async function allPages<P extends { IsTruncated?: boolean; Marker?: string }, I>(
  fetchPage: (marker: string | undefined) => Promise<P>,
  itemsOf: (page: P) => I[],
): Promise<I[]> {
  const items: I[] = [];
  let marker: string | undefined;
  do {
    const page = await fetchPage(marker);
    items.push(...itemsOf(page));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker !== undefined);
  return items;
}

/**
 * `resourceOf` and `asGranted` of an AWS kind, whose resource is `aws:<account id>:<segment>/<value
 * of field>`: the account comes from the catalog, so a target moved to another account is unreachable.
 */
export function awsResource<T extends AwsTarget>(
  accountFor: (target: T) => Account,
  segment: string,
  field: { [K in keyof T]: T[K] extends string ? K : never }[keyof T] & string,
) {
  const prefixOf = (target: T) => `aws:${accountFor(target).accountId}:${segment}/`;
  return {
    resourceOf: (target: T) => `${prefixOf(target)}${String(target[field])}`,
    asGranted: (target: T, resource: string): T | undefined => {
      const prefix = prefixOf(target);
      return resource.startsWith(prefix) ? { ...target, [field]: resource.slice(prefix.length) } : undefined;
    },
  };
}
