import type { Account } from './catalog.js';

/** Where every generated policy lives: the connector role may create and delete policies here only. */
export const GENERATED_POLICY_PATH = '/jit/generated/';

/** One policy per grant, named after it, so a retry finds the one an earlier try made. */
export function generatedPolicyName(grantId: string): string {
  return `jitbot-${grantId}`;
}

/** The ARN of a grant's generated policy, in the account's partition (read from its connector role). */
export function generatedPolicyArn(account: Account, grantId: string): string {
  const partition = /^arn:(aws[a-z-]*):/.exec(account.connectorRoleArn)?.[1] ?? 'aws';
  return `arn:${partition}:iam::${account.accountId}:policy${GENERATED_POLICY_PATH}${generatedPolicyName(grantId)}`;
}
