import type { Account } from '../domain/catalog.js';
import type { CallContext } from './access-provider.js';

/**
 * Where jitbot's own things in AWS are read back for drift: its backstop schedules (group
 * `jitbot`, named `jitbot-<grant id>`) and its generated policies (under `/jit/generated/`).
 */
export interface JitbotInventory {
  /** In the account's region, or `region` (Identity Center's schedules live in its region). */
  listSchedules(
    account: Account,
    context: CallContext,
    region?: string,
  ): Promise<readonly { name: string }[]>;
  /** With the IAM users each is attached to. */
  listGeneratedPolicies(
    account: Account,
    context: CallContext,
  ): Promise<readonly { arn: string; attachedTo: readonly string[] }[]>;
  /** Detaches a generated policy from a user it was not made for; one not attached is fine. */
  detachGeneratedPolicy(
    account: Account,
    arn: string,
    userName: string,
    context: CallContext,
  ): Promise<'removed' | 'already-gone'>;
}
