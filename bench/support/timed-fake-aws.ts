/**
 * The test suite's fake AWS (STS, IAM, Scheduler over HTTP), with the time each call was answered.
 * The fake appends to `calls` synchronously right after it applied the action and before it
 * writes the response, so a timestamp taken in that push is when AWS "did" it, to well under 1 ms.
 */
import { FakeAws, type FakeAwsAccount, type FakeAwsCall } from '../../test/support/fake-aws.js';

export interface TimedCall {
  readonly call: FakeAwsCall;
  /** Epoch milliseconds with a fractional part (performance clock anchored at timeOrigin). */
  readonly at: number;
}

export interface TimedFakeAws {
  readonly aws: FakeAws;
  readonly account: FakeAwsAccount;
  readonly url: string;
  /** Every call, in the order answered. */
  readonly timed: TimedCall[];
  /** The first successful RemoveUserFromGroup of each user: when it was applied. */
  readonly removedAt: Map<string, number>;
  stop(): Promise<void>;
}

export interface FakeAwsSetup {
  readonly accountId: string;
  readonly connectorRoleArn: string;
  readonly externalId: string;
  readonly group: string;
  /** IAM users created as members of `group`. */
  readonly members: readonly string[];
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

export async function startTimedFakeAws(setup: FakeAwsSetup): Promise<TimedFakeAws> {
  const aws = new FakeAws();
  aws.addRole(setup.connectorRoleArn, setup.externalId);
  const account = aws.account(setup.accountId);
  account.addGroup(setup.group);
  for (const user of setup.members) account.addUser(user, [setup.group]);

  const timed: TimedCall[] = [];
  const removedAt = new Map<string, number>();
  const calls = aws.calls;
  const push = calls.push.bind(calls);
  calls.push = (...items: FakeAwsCall[]): number => {
    const at = epochNow();
    for (const call of items) {
      timed.push({ call, at });
      const user = call.params.UserName;
      if (call.action === 'RemoveUserFromGroup' && call.status === 200 && typeof user === 'string')
        if (!removedAt.has(user)) removedAt.set(user, at);
    }
    return push(...items);
  };

  const url = await aws.start();
  return { aws, account, url, timed, removedAt, stop: () => aws.stop() };
}
