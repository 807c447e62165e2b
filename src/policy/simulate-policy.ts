import { runSimulation } from '@cloud-copilot/iam-simulate';
import { expiryText, type PolicyDocument } from './policy-document.js';

/**
 * Step 6: the proof. Each check asks iam-simulate whether a user holding only this policy may
 * do `action` on `resource` at time `at` (the context key aws:CurrentTime), and compares the
 * answer with what it must be. An error of the simulator is a failed check, never a pass.
 */

export interface SimulationCheck {
  readonly action: string;
  /** A concrete resource, or * for an action that takes only *. */
  readonly resource: string;
  readonly at: Date;
  readonly expect: 'allowed' | 'denied';
  /** When, in words: 'one second before expiry'. */
  readonly when: string;
}

export interface SimulatedAccount {
  readonly accountId: string;
  readonly partition: string;
}

/** Every check that did not come out as expected, in words; empty when the policy is proven. */
export async function failedChecks(
  document: PolicyDocument,
  checks: readonly SimulationCheck[],
  account: SimulatedAccount,
): Promise<readonly string[]> {
  const failures: string[] = [];
  for (const [index, check] of checks.entries()) {
    // The simulator never waits on I/O once its data is loaded, so without this a long proof
    // would hold the event loop and every other Slack request would wait behind it.
    if (index % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    const outcome = await simulate(document, check, account);
    const allowed = outcome === 'Allowed';
    const denied = outcome === 'ImplicitlyDenied' || outcome === 'ExplicitlyDenied';
    if (check.expect === 'allowed' ? !allowed : !denied) {
      const must = check.expect === 'allowed' ? 'allowed' : 'denied';
      failures.push(
        `${check.action} on ${check.resource} must be ${must} ${check.when} but the simulation said ${outcome}`,
      );
    }
  }
  return failures;
}

async function simulate(
  document: PolicyDocument,
  check: SimulationCheck,
  account: SimulatedAccount,
): Promise<string> {
  try {
    const result = await runSimulation(
      {
        request: {
          principal: `arn:${account.partition}:iam::${account.accountId}:user/jitbot-simulated-requester`,
          action: check.action,
          resource: { resource: check.resource, accountId: account.accountId },
          contextVariables: { 'aws:CurrentTime': expiryText(check.at) },
        },
        identityPolicies: [{ name: 'generated', policy: document }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    return result.resultType === 'error' ? `an error (${result.errors.message})` : result.overallResult;
  } catch (error) {
    return `an error (${error instanceof Error ? error.message : String(error)})`;
  }
}
