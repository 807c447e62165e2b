import type { ActionRules } from './action-bounds.js';
import { type ActionInfo, actionInfo, actionsMatching } from './action-data.js';
import type { Pair } from './requested-pairs.js';
import { actsOn } from './resource-fit.js';
import { concreteSample } from './resource-glob.js';
import type { SimulationCheck } from './simulate-policy.js';

/**
 * What the simulation must show: every pair asked for allowed one second before expiry and
 * denied one second after, and a sample of actions outside the policy denied. The expiry is a
 * fixed nominal one: the real one is fixed at approval and only the condition's value changes.
 */

export const NOMINAL_EXPIRY = new Date('2030-01-01T00:00:00Z');
const BEFORE = new Date(NOMINAL_EXPIRY.getTime() - 1000);
const AFTER = new Date(NOMINAL_EXPIRY.getTime() + 1000);
const OUTSIDE_SAMPLE = 5;

export interface SimulationPlan {
  readonly checks: readonly SimulationCheck[];
  /** Pairs no concrete resource could be found for: unproven, so refused. */
  readonly untestable: readonly string[];
}

export async function simulationPlan(pairs: readonly Pair[], rules: ActionRules): Promise<SimulationPlan> {
  const checks: SimulationCheck[] = [];
  const untestable: string[] = [];
  for (const { action, resource } of pairs) {
    const info = await actionInfo(action);
    const sample = info && sampleFor(info, resource);
    if (!sample) {
      untestable.push(`no concrete resource of ${action} could be made from ${resource}`);
      continue;
    }
    checks.push(check(action, sample, BEFORE, 'allowed', 'one second before expiry'));
    checks.push(check(action, sample, AFTER, 'denied', 'one second after expiry'));
  }
  return { checks: [...checks, ...(await outsideChecks(pairs, rules))], untestable };
}

function sampleFor(info: ActionInfo, resource: string): string | undefined {
  return resource === '*'
    ? actsOn(info, '*')
      ? '*'
      : undefined
    : concreteSample(resource, (r) => actsOn(info, r));
}

const check = (
  action: string,
  resource: string,
  at: Date,
  expect: 'allowed' | 'denied',
  when: string,
): SimulationCheck => ({
  action,
  resource,
  at,
  expect,
  when,
});

/**
 * Actions the policy must not grant, tried on the policy's own resources: the target's denied
 * actions first, then Write and Permissions management actions of the same services.
 */
async function outsideChecks(pairs: readonly Pair[], rules: ActionRules): Promise<SimulationCheck[]> {
  const granted = new Set(pairs.map((pair) => pair.action));
  const resources = [...new Set(pairs.map((pair) => pair.resource))].sort();
  const services = [...new Set([...granted].map((action) => action.slice(0, action.indexOf(':'))))];
  const denied = [...rules.denied.keys()].filter((action) => !granted.has(action)).sort();
  const writes: string[] = [];
  for (const service of services) {
    for (const action of await actionsMatching(`${service}:*`)) {
      const levels = (await actionInfo(action))?.levels ?? [];
      const risky = levels.includes('Write') || levels.includes('Permissions management');
      if (risky && !granted.has(action) && !rules.denied.has(action)) writes.push(action);
    }
  }
  return [...(await tryOn(denied, resources)), ...(await tryOn(spread(writes), resources))];
}

/** Up to OUTSIDE_SAMPLE of `actions`, each on the first of the policy's resources it can act on. */
async function tryOn(actions: readonly string[], resources: readonly string[]): Promise<SimulationCheck[]> {
  const checks: SimulationCheck[] = [];
  for (const action of actions) {
    if (checks.length === OUTSIDE_SAMPLE) break;
    const info = await actionInfo(action);
    const sample =
      info && resources.map((resource) => sampleFor(info, resource)).find((s) => s !== undefined);
    if (sample)
      checks.push(
        check(action, sample, BEFORE, 'denied', 'one second before expiry (it is outside the policy)'),
      );
  }
  return checks;
}

/** Every k-th item, so the sample is not all from the start of the alphabet. */
function spread(items: readonly string[]): string[] {
  const step = Math.max(1, Math.floor(items.length / (OUTSIDE_SAMPLE * 4)));
  return items.filter((_item, index) => index % step === 0);
}
