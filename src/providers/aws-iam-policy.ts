import {
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
} from '@aws-sdk/client-iam';
import type { AwsIamPolicyTarget } from '../domain/catalog.js';
import type {
  AccessProvider,
  Backstop,
  CallContext,
  PrincipalOutcome,
  SlackPerson,
} from '../ports/access-provider.js';
import {
  accountWords,
  allPages,
  awsResource,
  findIamUser,
  IAM_MAX_ITEMS,
  type IamDeps,
  iamCaller,
  iamUserWords,
  removedOrAlreadyGone,
  unlessNoUser,
} from './iam-calls.js';

export interface AwsIamPolicyProviderDeps extends IamDeps<AwsIamPolicyTarget> {
  readonly backstop?: Backstop<AwsIamPolicyTarget>;
}

/**
 * `arn:aws:iam::111111111111:policy/jit/team-a/read-logs` -> `/jit/team-a/read-logs`: the path
 * and the name, since two policies on different paths may share a name.
 */
function policyPathOf(policyArn: string): string {
  const marker = ':policy/';
  const at = policyArn.indexOf(marker);
  return at === -1 ? policyArn : policyArn.slice(at + marker.length - 1);
}

/**
 * A customer managed policy attached to the person's own IAM user for the grant. The catalog only
 * accepts policies under /jit/, and the connector role may attach no others (infra/policies).
 */
export function createAwsIamPolicyProvider(
  deps: AwsIamPolicyProviderDeps,
): AccessProvider<AwsIamPolicyTarget> {
  const iam = iamCaller(deps);
  const about = (target: AwsIamPolicyTarget, operation: string, principal?: string) => ({
    operation,
    ...(principal !== undefined ? { principal } : {}),
    resource: target.policyArn,
    resourceWords: `policy ${policyPathOf(target.policyArn)}`,
  });

  /** The ARNs of every managed policy attached to the user, following IAM's pagination. */
  async function attachedTo(target: AwsIamPolicyTarget, userName: string, context: CallContext) {
    return allPages(
      (marker) =>
        iam(target, about(target, 'ListAttachedUserPolicies', userName), context, (client) =>
          client.send(new ListAttachedUserPoliciesCommand({ UserName: userName, Marker: marker })),
        ),
      (page) =>
        (page.AttachedPolicies ?? []).flatMap((policy) => (policy.PolicyArn ? [policy.PolicyArn] : [])),
    );
  }

  return {
    kind: 'aws-iam-policy',
    // IAM is eventually consistent: a detach can still read as attached for seconds or more.
    readsLagWrites: true,
    ...(deps.backstop !== undefined ? { backstop: deps.backstop } : {}),
    ...awsResource(deps.accountFor, 'user-policy', 'policyArn'),
    describe(target) {
      return `IAM policy ${policyPathOf(target.policyArn)} on the requester's IAM user in ${accountWords(deps.accountFor(target))}`;
    },
    location: (target) => accountWords(deps.accountFor(target)),
    describePrincipal: (target, principal) => iamUserWords(principal, deps.accountFor(target)),
    async resolvePrincipal(
      target: AwsIamPolicyTarget,
      person: SlackPerson,
      context,
    ): Promise<PrincipalOutcome> {
      // IAM's quota of managed policies per user can be raised, so it is not checked here: an
      // attach over it fails with IAM's own LimitExceeded words.
      const user = await findIamUser(iam, deps.accountFor(target), target, person, target.policyArn, context);
      return user.ok ? { ok: true, principal: user.userName } : user;
    },
    async listHolders(target, context) {
      const users = await allPages(
        (marker) =>
          iam(target, about(target, 'ListEntitiesForPolicy'), context, (client) =>
            client.send(
              new ListEntitiesForPolicyCommand({
                PolicyArn: target.policyArn,
                EntityFilter: 'User',
                Marker: marker,
                MaxItems: IAM_MAX_ITEMS,
              }),
            ),
          ),
        (page) => (page.PolicyUsers ?? []).flatMap((user) => (user.UserName ? [user.UserName] : [])),
      );
      return users.map((userName) => ({ principal: userName, name: userName }));
    },
    isMember: (target, principal, context) =>
      unlessNoUser(async () => (await attachedTo(target, principal, context)).includes(target.policyArn)),
    async grant(target, principal, context) {
      await iam(target, about(target, 'AttachUserPolicy', principal), context, (client) =>
        client.send(new AttachUserPolicyCommand({ PolicyArn: target.policyArn, UserName: principal })),
      );
      return 'added';
    },
    revoke: (target, principal, context) =>
      removedOrAlreadyGone(() =>
        iam(target, about(target, 'DetachUserPolicy', principal), context, (client) =>
          client.send(new DetachUserPolicyCommand({ PolicyArn: target.policyArn, UserName: principal })),
        ),
      ),
  };
}
