import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DetachUserPolicyCommand,
  GetPolicyVersionCommand,
} from '@aws-sdk/client-iam';
import { awsErrorCode } from '../aws/aws-errors.js';
import type { AwsIamGeneratedPolicyTarget } from '../domain/catalog.js';
import {
  GENERATED_POLICY_PATH,
  generatedPolicyArn,
  generatedPolicyName,
} from '../domain/generated-policy.js';
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

/** The document this grant's policy holds: the approved statements, ending at the grant's expiry. */
function documentFor(context: CallContext) {
  return policyDocument(
    needed(context.permissions, 'the permissions'),
    needed(context.expiresAt, 'the expiry'),
  );
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
  const arnOf = (target: AwsIamGeneratedPolicyTarget, context: CallContext) =>
    generatedPolicyArn(deps.accountFor(target), needed(context.grantId, 'the grant id'));
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

  async function create(target: AwsIamGeneratedPolicyTarget, principal: string, context: CallContext) {
    const arn = arnOf(target, context);
    const document = compactPolicyJson(documentFor(context));
    try {
      await iam(target, about('CreatePolicy', principal, arn), context, (client) =>
        client.send(
          new CreatePolicyCommand({
            PolicyName: generatedPolicyName(needed(context.grantId, 'the grant id')),
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
    return arn;
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
      const arn = await create(target, principal, context);
      try {
        await iam(target, about('AttachUserPolicy', principal, arn), context, (client) =>
          client.send(new AttachUserPolicyCommand({ PolicyArn: arn, UserName: principal })),
        );
      } catch (error) {
        // Refused for certain (no slot left, user gone): the policy would be left behind unattached.
        if (isProviderError(error) && error.definite)
          await deletePolicy(target, principal, arn, context).catch(() => undefined);
        throw error;
      }
      return 'added';
    },
    async revoke(target, principal, context) {
      const arn = arnOf(target, context);
      const result = await detach(target, principal, arn, context);
      await deletePolicy(target, principal, arn, context);
      return result;
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
