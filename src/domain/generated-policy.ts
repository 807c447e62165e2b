import type { Account } from './catalog.js';
import { partitionOf } from './partition.js';

/** Where every generated policy lives: the connector role may create and delete policies here only. */
export const GENERATED_POLICY_PATH = '/jit/generated/';

function arnOf(account: Account, name: string): string {
  return `arn:${partitionOf(account.connectorRoleArn)}:iam::${account.accountId}:policy${GENERATED_POLICY_PATH}${name}`;
}

/** A grant's first policy is named after it, so a retry finds the one an earlier try made. */
export function generatedPolicyName(grantId: string): string {
  return `jitbot-${grantId}`;
}

/**
 * The policy a grant holds now: its first (named after it), or the ARN an extension recorded as
 * the grant's provider state.
 */
export function generatedPolicyArn(account: Account, grantId: string, state?: string | null): string {
  return state ?? arnOf(account, generatedPolicyName(grantId));
}

/** `2026-12-06T16:00:00.000Z` -> `20261206T160000Z`: what tells an extension's policy apart. */
function compactInstant(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/**
 * The policy that replaces a grant's on extension, named after the grant and its new expiry: the
 * name is known before it is made, so a retry makes (or finds) the same one.
 */
export function replacementPolicyName(grantId: string, expiresAt: Date): string {
  return `${generatedPolicyName(grantId)}-${compactInstant(expiresAt)}`;
}

export function replacementPolicyArn(account: Account, grantId: string, expiresAt: Date): string {
  return arnOf(account, replacementPolicyName(grantId, expiresAt));
}
