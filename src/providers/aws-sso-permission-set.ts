import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
} from '@aws-sdk/client-sso-admin';
import {
  busyAssignment,
  type IdentityCenterDeps,
  type IdentityCenterOperation,
  identityCenterCaller,
  waitForAssignment,
} from '../aws/identity-center.js';
import type { Account, AwsSsoPermissionSetTarget } from '../domain/catalog.js';
import { formatDuration, isoDurationSeconds } from '../domain/duration.js';
import type { AccessProvider, Backstop, CallContext } from '../ports/access-provider.js';
import {
  findIdentityCenterUser,
  holdersNamed,
  IDENTITY_CENTER_MAX_RESULTS,
  identityCenterUserWords,
  signInNote,
} from './identity-center-user.js';

export interface AwsSsoPermissionSetProviderDeps extends IdentityCenterDeps {
  /** The catalog's accounts, for the name of the account a permission set is assigned in. */
  readonly accounts: readonly Account[];
  readonly backstop?: Backstop<AwsSsoPermissionSetTarget>;
}

const RESOURCE_PREFIX = 'aws-sso:';
/** The operation stored with a grant while an assignment request is in flight. */
const CREATING = 'create:';
const DELETING = 'delete:';

/** `ps-1234567890abcdef`: the permission set's id, its name until DescribePermissionSet has told it. */
function permissionSetId(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/**
 * `aws-sso-permission-set`: a USER assignment of a permission set in one account for the grant.
 * Creating and deleting an assignment are asynchronous at AWS: each waits for its status, and the
 * request id is kept with the grant so a restart resumes the wait instead of asking twice. Access
 * the person has through a group assignment is neither counted nor touched.
 */
export function createAwsSsoPermissionSetProvider(
  deps: AwsSsoPermissionSetProviderDeps,
): AccessProvider<AwsSsoPermissionSetTarget> & {
  prepare(targets: readonly AwsSsoPermissionSetTarget[], context: CallContext): Promise<void>;
} {
  const { settings } = deps;
  const { ssoAdmin } = identityCenterCaller(deps);
  const names = new Map<string, { name: string; sessionDuration?: string }>();
  /** The account that owns the instance (the management account), once ListInstances has said. */
  let ownerAccountId: string | undefined;
  const accountWords = (accountId: string) => {
    const known = deps.accounts.find((account) => account.accountId === accountId);
    return known ? `${known.name} (${accountId})` : `account ${accountId}`;
  };
  const nameOf = (target: AwsSsoPermissionSetTarget) =>
    names.get(target.permissionSetArn)?.name ?? permissionSetId(target.permissionSetArn);
  const about = (target: AwsSsoPermissionSetTarget, operation: string, principal?: string) =>
    ({
      operation,
      targetId: target.id,
      ...(principal !== undefined ? { principal } : {}),
      resource: `${target.permissionSetArn} ${target.accountId}`,
      resourceWords: `permission set ${nameOf(target)} in account ${target.accountId}`,
    }) satisfies IdentityCenterOperation;
  const assignment = (target: AwsSsoPermissionSetTarget, principal: string) => ({
    InstanceArn: settings.instanceArn,
    TargetId: target.accountId,
    TargetType: 'AWS_ACCOUNT' as const,
    PermissionSetArn: target.permissionSetArn,
    PrincipalType: 'USER' as const,
    PrincipalId: principal,
  });

  async function instanceOwner(target: AwsSsoPermissionSetTarget, context: CallContext) {
    let NextToken: string | undefined;
    do {
      const page = await ssoAdmin(about(target, 'ListInstances'), context, (client) =>
        client.send(new ListInstancesCommand(NextToken !== undefined ? { NextToken } : {})),
      );
      const found = page.Instances?.find((instance) => instance.InstanceArn === settings.instanceArn);
      if (found) return found.OwnerAccountId;
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
    return undefined;
  }

  /** Every assignment of the permission set in the target's account, page by page as AWS lists them. */
  async function* assignments(target: AwsSsoPermissionSetTarget, context: CallContext, principal?: string) {
    let NextToken: string | undefined;
    do {
      const page = await ssoAdmin(about(target, 'ListAccountAssignments', principal), context, (client) =>
        client.send(
          new ListAccountAssignmentsCommand({
            InstanceArn: settings.instanceArn,
            AccountId: target.accountId,
            PermissionSetArn: target.permissionSetArn,
            MaxResults: IDENTITY_CENTER_MAX_RESULTS,
            ...(NextToken !== undefined ? { NextToken } : {}),
          }),
        ),
      );
      yield* page.AccountAssignments ?? [];
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
  }

  async function isMember(target: AwsSsoPermissionSetTarget, principal: string, context: CallContext) {
    for await (const row of assignments(target, context, principal))
      if (row.PrincipalType === 'USER' && row.PrincipalId === principal) return true;
    return false;
  }

  /** Asks for the change (unless one is already in flight for this grant), then waits for it. */
  async function change(
    kind: 'creation' | 'deletion',
    target: AwsSsoPermissionSetTarget,
    principal: string,
    context: CallContext,
  ): Promise<void> {
    const marker = kind === 'creation' ? CREATING : DELETING;
    let requestId = context.operation?.startsWith(marker)
      ? context.operation.slice(marker.length)
      : undefined;
    if (requestId === undefined) {
      const input = assignment(target, principal);
      try {
        const answer =
          kind === 'creation'
            ? (
                await ssoAdmin(about(target, 'CreateAccountAssignment', principal), context, (client) =>
                  client.send(new CreateAccountAssignmentCommand(input)),
                )
              ).AccountAssignmentCreationStatus
            : (
                await ssoAdmin(about(target, 'DeleteAccountAssignment', principal), context, (client) =>
                  client.send(new DeleteAccountAssignmentCommand(input)),
                )
              ).AccountAssignmentDeletionStatus;
        requestId = answer?.RequestId;
      } catch (error) {
        throw busyAssignment(error);
      }
      if (requestId === undefined) return;
      await context.rememberOperation?.(`${marker}${requestId}`);
    }
    await waitForAssignment(deps, ssoAdmin, kind, requestId, about(target, 'wait', principal), context);
    await context.rememberOperation?.(null);
  }

  return {
    kind: 'aws-sso-permission-set',
    resourceOf: (target) => `${RESOURCE_PREFIX}${target.accountId}:${target.permissionSetArn}`,
    asGranted(target, resource) {
      if (!resource.startsWith(RESOURCE_PREFIX)) return undefined;
      const [accountId, ...rest] = resource.slice(RESOURCE_PREFIX.length).split(':');
      const permissionSetArn = rest.join(':');
      // Another instance cannot be reached through this one.
      const instanceId = settings.instanceArn.slice(settings.instanceArn.lastIndexOf('/') + 1);
      if (!accountId || !permissionSetArn.includes(`/${instanceId}/`)) return undefined;
      return { ...target, accountId, permissionSetArn };
    },
    describe: (target) => `permission set ${nameOf(target)} in ${accountWords(target.accountId)}`,
    location: (target) => accountWords(target.accountId),
    async resolvePrincipal(target, person, context) {
      // The connector role refuses assignments in the management account (see
      // infra/terraform/modules/identity-center-connector): say so before anyone approves it.
      if (ownerAccountId !== undefined && target.accountId === ownerAccountId)
        return {
          ok: false,
          reason: `jitbot does not assign permission sets in ${accountWords(target.accountId)}, the account that manages Identity Center: its role would need to create IAM roles there. Ask your Identity Center admins for this access another way.`,
        };
      return findIdentityCenterUser(
        settings,
        identityCenterCaller(deps).identityStore,
        target,
        person,
        context,
      );
    },
    describePrincipal: (_target, principal, person) => identityCenterUserWords(person, principal),
    // Only USER assignments: access through a group assignment is the group's, never jitbot's grant.
    async listHolders(target, context) {
      const userIds: string[] = [];
      for await (const row of assignments(target, context))
        if (row.PrincipalType === 'USER' && row.PrincipalId) userIds.push(row.PrincipalId);
      return holdersNamed(settings, identityCenterCaller(deps).identityStore, target, userIds, context);
    },
    isMember,
    async grant(target, principal, context) {
      await change('creation', target, principal, context);
      return 'added';
    },
    async revoke(target, principal, context) {
      if (!context.operation?.startsWith(DELETING) && !(await isMember(target, principal, context)))
        return 'already-gone';
      await change('deletion', target, principal, context);
      return 'removed';
    },
    accessNotes(target) {
      const duration = names.get(target.permissionSetArn)?.sessionDuration;
      const seconds = duration === undefined ? undefined : isoDurationSeconds(duration);
      const length = seconds === undefined ? 'its session duration' : formatDuration(seconds);
      return {
        sessions: `Ending this access does not end a console or CLI session already started: it lasts up to the permission set's session duration (${length}).`,
        ...signInNote(settings),
      };
    },
    ...(deps.backstop ? { backstop: deps.backstop } : {}),
    // Assignments listed right after a removal may still show it for a moment.
    readsLagWrites: true,
    async prepare(targets, context) {
      if (targets.length === 0) return;
      ownerAccountId = await instanceOwner(targets[0] as AwsSsoPermissionSetTarget, context);
      for (const target of targets) {
        if (names.has(target.permissionSetArn)) continue;
        const { PermissionSet } = await ssoAdmin(about(target, 'DescribePermissionSet'), context, (client) =>
          client.send(
            new DescribePermissionSetCommand({
              InstanceArn: settings.instanceArn,
              PermissionSetArn: target.permissionSetArn,
            }),
          ),
        );
        if (PermissionSet?.Name)
          names.set(target.permissionSetArn, {
            name: PermissionSet.Name,
            ...(PermissionSet.SessionDuration ? { sessionDuration: PermissionSet.SessionDuration } : {}),
          });
      }
    },
  };
}
