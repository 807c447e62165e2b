import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DetachUserPolicyCommand,
  GetPolicyVersionCommand,
  ListAttachedUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { awsErrorCode } from '../aws/aws-errors.js';
import type { AwsIamGeneratedPolicyTarget } from '../domain/catalog.js';
import {
  GENERATED_POLICY_PATH,
  generatedPolicyArn,
  replacementPolicyArn,
} from '../domain/generated-policy.js';
import { describeError } from '../errors.js';
import { compactPolicyJson, policyDocument, policyHash } from '../policy/policy-document.js';
import {
  type AccessProvider,
  type Backstop,
  type CallContext,
  isProviderError,
  ProviderError,
  type RevokeResult,
} from '../ports/access-provider.js';
import {
  accountWords,
  allPages,
  findIamUser,
  type IamDeps,
  iamCaller,
  iamUserWords,
  removedOrAlreadyGone,
} from './iam-calls.js';

export interface AwsIamGeneratedPolicyProviderDeps extends IamDeps<AwsIamGeneratedPolicyTarget> {
  readonly backstop?: Backstop<AwsIamGeneratedPolicyTarget>;
}

function needed<V>(value: V | undefined, what: string): V {
  if (value === undefined) throw new Error(`a generated policy needs ${what} in its call context`);
  return value;
}

/** The document a policy of this grant holds: the approved statements, ending at `expiresAt`. */
function documentFor(context: CallContext, expiresAt = needed(context.expiresAt, 'the expiry')) {
  return policyDocument(needed(context.permissions, 'the permissions'), expiresAt);
}

/** IAM's default quota of managed policies attached to one user. */
const POLICIES_PER_USER = 10;

/** The replacement an extension under way makes: its expiry, as the workflow recorded it in `operation`. */
function replacementExpiry(context: CallContext): Date | undefined {
  if (context.operation === undefined) return undefined;
  const at = new Date(context.operation);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

const isCode = (error: unknown, code: string) => isProviderError(error) && awsErrorCode(error.cause) === code;

/**
 * A least-privilege policy generated for each request (src/policy/), created under
 * /jit/generated/ at grant time, attached to the person's own IAM user, and detached and deleted
 * when the grant ends. Every statement carries an aws:CurrentTime condition, so the policy stops
 * working at expiry even if nothing ever removes it; the backstop detaches it too.
 */
export function createAwsIamGeneratedPolicyProvider(
  deps: AwsIamGeneratedPolicyProviderDeps,
): AccessProvider<AwsIamGeneratedPolicyTarget> {
  const iam = iamCaller(deps);
  const grantIdOf = (context: CallContext) => needed(context.grantId, 'the grant id');
  /** The policy the grant holds now: its first, or the one an extension put in its place. */
  const arnOf = (target: AwsIamGeneratedPolicyTarget, context: CallContext) =>
    generatedPolicyArn(deps.accountFor(target), grantIdOf(context), context.state);
  /** Every policy jitbot may have attached for the grant: the current one and any replacement under way. */
  const heldArns = (target: AwsIamGeneratedPolicyTarget, context: CallContext) => {
    const next = replacementExpiry(context);
    const replacement =
      next === undefined ? [] : [replacementPolicyArn(deps.accountFor(target), grantIdOf(context), next)];
    return [...new Set([arnOf(target, context), ...replacement])];
  };
  const about = (operation: string, principal: string, arn: string) => ({
    operation,
    principal,
    resource: arn,
    resourceWords: `policy ${arn.slice(arn.indexOf(':policy/') + ':policy'.length)}`,
  });
  const prefixOf = (target: AwsIamGeneratedPolicyTarget) =>
    `aws:${deps.accountFor(target).accountId}:generated-policy/${target.id}`;

  /**
   * A policy of this name exists already: an earlier try made it and its answer was lost. It is
   * adopted only if it holds exactly this grant's document; anything else is not jitbot's to attach.
   */
  async function adopt(
    target: AwsIamGeneratedPolicyTarget,
    principal: string,
    arn: string,
    document: string,
    context: CallContext,
  ): Promise<void> {
    const found = await iam(target, about('GetPolicyVersion', principal, arn), context, (client) =>
      client.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })),
    );
    const stored = found.PolicyVersion?.Document;
    const text = stored === undefined ? undefined : decodeURIComponent(stored);
    if (text !== undefined && JSON.stringify(JSON.parse(text)) === document) return;
    throw new ProviderError(
      'generated_policy_differs',
      `IAM policy ${arn} exists but does not hold the policy approved for this grant, so jitbot will not attach it: delete it by hand (it is under ${GENERATED_POLICY_PATH}, which only jitbot should use) and retry`,
      { kind: 'conflict' },
    );
  }

  /** Creates the policy `arn` holding `document`, or adopts the one an earlier try made. */
  async function create(
    target: AwsIamGeneratedPolicyTarget,
    principal: string,
    arn: string,
    document: string,
    context: CallContext,
  ): Promise<void> {
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    try {
      await iam(target, about('CreatePolicy', principal, arn), context, (client) =>
        client.send(
          new CreatePolicyCommand({
            PolicyName: name,
            Path: GENERATED_POLICY_PATH,
            PolicyDocument: document,
            Description: `jitbot: access for ${principal} approved in request ${context.requestId}; deleted when the grant ends`,
          }),
        ),
      );
    } catch (error) {
      if (!isCode(error, 'EntityAlreadyExists')) throw error;
      await adopt(target, principal, arn, document, context);
    }
  }

  async function attach(
    target: AwsIamGeneratedPolicyTarget,
    principal: string,
    arn: string,
    context: CallContext,
  ) {
    try {
      await iam(target, about('AttachUserPolicy', principal, arn), context, (client) =>
        client.send(new AttachUserPolicyCommand({ PolicyArn: arn, UserName: principal })),
      );
    } catch (error) {
      // Refused for certain (no slot left, user gone): the policy would be left behind unattached.
      if (isProviderError(error) && error.definite)
        await deleteUnattached(target, principal, arn, error, context);
      throw error;
    }
  }

  /**
   * Deletes a policy whose attach was refused. If that fails too, the refusal is no longer a
   * certain "nothing made": the error says so, and the grant's cleanup deletes the policy later.
   */
  async function deleteUnattached(
    target: AwsIamGeneratedPolicyTarget,
    principal: string,
    arn: string,
    refusal: ProviderError,
    context: CallContext,
  ): Promise<void> {
    try {
      await deletePolicy(target, principal, arn, context);
    } catch (error) {
      throw new ProviderError(
        'generated_policy_left',
        `${refusal.message}; the policy jitbot made for it (${arn}) could not be deleted (${describeError(error)}), so jitbot deletes it when it cleans up`,
        { kind: 'unconfirmed', retryable: false, cause: refusal },
      );
    }
  }

  /** The managed policies attached to the user now. */
  async function attachedTo(target: AwsIamGeneratedPolicyTarget, principal: string, context: CallContext) {
    return allPages(
      (marker) =>
        iam(target, about('ListAttachedUserPolicies', principal, arnOf(target, context)), context, (client) =>
          client.send(new ListAttachedUserPoliciesCommand({ UserName: principal, Marker: marker })),
        ),
      (page) =>
        (page.AttachedPolicies ?? []).flatMap((policy) => (policy.PolicyArn ? [policy.PolicyArn] : [])),
    );
  }

  /** An extension needs a free slot for a moment: both policies are attached while one replaces the other. */
  async function checkRoom(
    target: AwsIamGeneratedPolicyTarget,
    principal: string,
    replacement: string,
    context: CallContext,
  ): Promise<void> {
    const attached = await attachedTo(target, principal, context);
    if (attached.includes(replacement) || attached.length < POLICIES_PER_USER) return;
    throw new ProviderError(
      'generated_policy_no_slot',
      `IAM user ${principal} already has ${attached.length} managed policies attached, IAM's limit per user, so jitbot cannot attach the longer policy beside the current one; your access stays as it is until its expiry. Ask an admin of the account to detach a policy you no longer need, then ask for the extension again`,
      { kind: 'limit' },
    );
  }

  /** Puts the backstop back on the policy that stays, when a replacement could not be finished. */
  async function restoreBackstop(
    target: AwsIamGeneratedPolicyTarget,
    principal: string,
    at: Date | undefined,
    context: CallContext,
  ): Promise<void> {
    if (at === undefined || deps.backstop === undefined) return;
    await deps.backstop.set(target, principal, grantIdOf(context), at, context).catch(() => undefined);
  }

  /** Deletes the policy; one already gone is fine. Attached elsewhere (by hand): IAM refuses, and the revocation retries. */
  async function deletePolicy(
    target: AwsIamGeneratedPolicyTarget,
    principal: string,
    arn: string,
    context: CallContext,
  ) {
    await removedOrAlreadyGone(() =>
      iam(target, about('DeletePolicy', principal, arn), context, (client) =>
        client.send(new DeletePolicyCommand({ PolicyArn: arn })),
      ),
    );
  }

  async function detach(
    target: AwsIamGeneratedPolicyTarget,
    principal: string,
    arn: string,
    context: CallContext,
  ): Promise<RevokeResult> {
    return removedOrAlreadyGone(() =>
      iam(target, about('DetachUserPolicy', principal, arn), context, (client) =>
        client.send(new DetachUserPolicyCommand({ PolicyArn: arn, UserName: principal })),
      ),
    );
  }

  return {
    kind: 'aws-iam-generated-policy',
    perRequest: true,
    readsLagWrites: true,
    ...(deps.backstop !== undefined ? { backstop: deps.backstop } : {}),
    resourceOf: prefixOf,
    // Per-request resources extend the target's own with `/<request id>`.
    asGranted: (target, resource) =>
      resource === prefixOf(target) || resource.startsWith(`${prefixOf(target)}/`) ? target : undefined,
    describe: (target) =>
      `a policy generated for this request within ${target.name}, on the requester's IAM user in ${accountWords(deps.accountFor(target))}`,
    location: (target) => accountWords(deps.accountFor(target)),
    describePrincipal: (target, principal) => iamUserWords(principal, deps.accountFor(target)),
    async resolvePrincipal(target, person, context) {
      const account = deps.accountFor(target);
      const user = await findIamUser(iam, account, target, person, prefixOf(target), context);
      return user.ok ? { ok: true, principal: user.userName } : user;
    },
    // The policy is named after a grant that did not exist before: nobody can hold it already.
    isMember: async () => false,
    async grant(target, principal, context) {
      const arn = arnOf(target, context);
      await create(target, principal, arn, compactPolicyJson(documentFor(context)), context);
      await attach(target, principal, arn, context);
      return 'added';
    },
    async revoke(target, principal, context) {
      let result: RevokeResult = 'already-gone';
      for (const arn of heldArns(target, context)) {
        if ((await detach(target, principal, arn, context)) === 'removed') result = 'removed';
        await deletePolicy(target, principal, arn, context);
      }
      return result;
    },
    /**
     * The order: the new policy, the backstop moved to it, the new policy attached, then
     * the old one detached and deleted (never a new version of the old: its ARN, and its
     * approval, stay what they were). Until the old one is gone both are attached, and both end
     * by their own conditions whatever happens.
     */
    async extend(target, principal, { expiresAt, backstopAt, currentBackstopAt }, context) {
      const account = deps.accountFor(target);
      const old = arnOf(target, context);
      const replacement = replacementPolicyArn(account, grantIdOf(context), expiresAt);
      if (replacement === old) return replacement;
      await checkRoom(target, principal, replacement, context);
      await create(
        target,
        principal,
        replacement,
        compactPolicyJson(documentFor(context, expiresAt)),
        context,
      );
      const moved = { ...context, state: replacement };
      try {
        if (backstopAt !== undefined && deps.backstop?.available(target))
          await deps.backstop.set(target, principal, grantIdOf(context), backstopAt, moved);
        await attach(target, principal, replacement, moved);
      } catch (error) {
        if (isProviderError(error) && error.definite) {
          await restoreBackstop(target, principal, currentBackstopAt, context);
          await deletePolicy(target, principal, replacement, context).catch(() => undefined);
        }
        throw error;
      }
      await detach(target, principal, old, context);
      await deletePolicy(target, principal, old, context);
      return replacement;
    },
    grantRecord(target, _principal, context) {
      const document = documentFor(context);
      return {
        policyArn: arnOf(target, context),
        policyDocument: document,
        policyHash: policyHash(document),
      };
    },
  };
}
