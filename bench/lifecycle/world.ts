/**
 * The catalog the lifecycle benchmark runs jitbot with, and the fake AWS it grants in: one
 * account with a backstop scheduler role, one IAM group target that needs one approver. The fake
 * AWS runs in the driver's process so the times of its calls and the driver's clicks share a clock.
 */
import type { TimedFakeAws } from '../support/timed-fake-aws.js';

export const ACCOUNT_ID = '111111111111';
export const CONNECTOR_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/jitbot-connector`;
export const EXTERNAL_ID = 'bench-external-id';
export const GROUP = 'jit-lifecycle';
export const TARGET_ID = 'lifecycle-group';
export const APPROVER_ID = 'UAPPROVER1';

export const CATALOG = {
  settings: { adminChannel: 'CADMIN1', approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [
    {
      id: 'bench',
      name: 'Bench',
      accountId: ACCOUNT_ID,
      region: 'us-east-1',
      connectorRoleArn: CONNECTOR_ROLE_ARN,
      externalId: EXTERNAL_ID,
      schedulerRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/jitbot-scheduler`,
      userMapping: 'email-local-part',
    },
  ],
  targets: [
    {
      id: TARGET_ID,
      name: 'Lifecycle group',
      kind: 'aws-iam-group',
      account: 'bench',
      group: GROUP,
      durations: { default: '1h', max: '4h' },
      approvers: { users: [APPROVER_ID] },
    },
  ],
};

/** Lifecycle `index`'s requester: a person of their own, so no per-person limit or overlap applies. */
export const requesterOf = (index: number): string => `UBENCH${String(index).padStart(5, '0')}`;
/** Their IAM user: the local part of the email the fake Slack gives them. */
export const iamUserOf = (requester: string): string => requester.toLowerCase();

type Watched = 'AddUserToGroup' | 'RemoveUserFromGroup';

export interface MembershipWatch {
  /** When the fake applied `action` to `user` (its first success), as soon as it did. */
  when(action: Watched, user: string): Promise<number>;
}

/**
 * Resolves waiters from the fake's own record of each call: timed-fake-aws.ts timestamps a call
 * in the synchronous push the fake makes right after applying it, before it answers; this wraps
 * that push once more (no change to the fake), so a waiter learns the time to well under 1 ms.
 */
export function watchMemberships(fake: TimedFakeAws): MembershipWatch {
  const seen = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  const calls = fake.aws.calls;
  const push = calls.push.bind(calls);
  calls.push = (...items) => {
    const count = push(...items);
    const at = fake.timed.at(-1)?.at ?? performance.timeOrigin + performance.now();
    for (const call of items) {
      const user = call.params.UserName;
      if (call.status !== 200 || typeof user !== 'string') continue;
      if (call.action !== 'AddUserToGroup' && call.action !== 'RemoveUserFromGroup') continue;
      const key = `${call.action}\n${user}`;
      if (seen.has(key)) continue;
      seen.set(key, at);
      waiting.get(key)?.(at);
      waiting.delete(key);
    }
    return count;
  };
  return {
    when(action, user) {
      const key = `${action}\n${user}`;
      const at = seen.get(key);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve) => waiting.set(key, resolve));
    },
  };
}
