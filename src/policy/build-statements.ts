import type { PolicyStatement } from './policy-types.js';
import type { Pair } from './requested-pairs.js';

/**
 * Step 4: the smallest policy for a set of action/resource pairs. Each action gets the set of
 * resources it was asked for; actions with the same set share one statement. Wildcards are never
 * written back: the policy lists the actions they expanded to, so an action AWS adds later is
 * not granted by it. Everything is sorted so the same request always gives the same document.
 */
export function buildStatements(pairs: readonly Pair[]): PolicyStatement[] {
  const resourcesOf = new Map<string, Set<string>>();
  for (const { action, resource } of pairs) {
    const set = resourcesOf.get(action) ?? new Set<string>();
    set.add(resource);
    resourcesOf.set(action, set);
  }
  const actionsOf = new Map<string, { resources: string[]; actions: string[] }>();
  for (const [action, set] of resourcesOf) {
    const resources = [...set].sort(byCodeUnit);
    // A key no resource can contain (they are printable ASCII), so different sets never collide.
    const key = resources.join('\n');
    const group = actionsOf.get(key) ?? { resources, actions: [] };
    group.actions.push(action);
    actionsOf.set(key, group);
  }
  return [...actionsOf.values()]
    .map((group) => ({ actions: group.actions.sort(byCodeUnit), resources: group.resources }))
    .sort((a, b) => byCodeUnit(a.resources.join('\n'), b.resources.join('\n')));
}

/** Plain code-unit order: the same on every machine, whatever its locale. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
