import { type ActionRules, type ResolvedAction, resolveAction } from './action-bounds.js';
import type { PermissionLine } from './permission-text.js';
import type { PolicyBounds } from './policy-types.js';
import { resourceProblem } from './resource-bounds.js';
import { actsOn, misfitWords } from './resource-fit.js';
import { globCovers } from './resource-glob.js';
import { either } from './words.js';

/**
 * Steps 1 to 3 for one line: its actions expanded and bounded, its resources bounded, then each
 * action paired with the resources it can act on. What the requester named explicitly and cannot
 * work is refused; what only a wildcard brought in is dropped quietly.
 */

export interface Pair {
  readonly action: string;
  readonly resource: string;
}

export interface LinePairs {
  readonly pairs: readonly Pair[];
  readonly problems: readonly string[];
}

export async function linePairs(
  line: PermissionLine,
  rules: ActionRules,
  bounds: PolicyBounds,
): Promise<LinePairs> {
  const problems: string[] = [];
  const actions: ResolvedAction[] = [];
  for (const pattern of line.actions) {
    const resolved = await resolveAction(line.line, pattern, rules);
    if ('problem' in resolved) problems.push(resolved.problem);
    else actions.push(...resolved.actions);
  }
  const resources: string[] = [];
  for (const resource of new Set(line.resources)) {
    const problem = resourceProblem(resource, bounds);
    if (problem) problems.push(`line ${line.line}: ${problem}.`);
    else resources.push(resource);
  }
  const paired = pairUp(line.line, actions, resources, bounds);
  return { pairs: paired.pairs, problems: [...problems, ...paired.problems] };
}

/**
 * A line asks for each action on those of its resources it can act on: the issue's own example,
 * `s3:GetObject,s3:ListBucket arn:aws:s3:::b,arn:aws:s3:::b/*`, means GetObject on the objects
 * and ListBucket on the bucket. Refused: an action named explicitly that acts on none of its
 * line's resources, a wildcard that brings nothing in, a resource no action acts on.
 */
function pairUp(
  line: number,
  actions: readonly ResolvedAction[],
  resources: readonly string[],
  bounds: PolicyBounds,
): LinePairs {
  if (actions.length === 0 || resources.length === 0) return { pairs: [], problems: [] };
  const starAllowed = bounds.allow.resources.some((allowed) => globCovers(allowed, '*'));
  const problems: string[] = [];
  const pairs: Pair[] = [];
  for (const { info, explicit } of actions) {
    const fitting = resources.filter((resource) => actsOn(info, resource));
    if (explicit && fitting.length === 0)
      problems.push(`line ${line}: ${misfitWords(info, resources, bounds, starAllowed)}.`);
    pairs.push(...fitting.map((resource) => ({ action: info.action, resource })));
  }
  for (const pattern of new Set(actions.filter((a) => !a.explicit).map((a) => a.pattern))) {
    const brought = actions.filter((a) => a.pattern === pattern).map((a) => a.info.action);
    if (!pairs.some((pair) => brought.includes(pair.action))) {
      problems.push(
        `line ${line}: none of the actions ${pattern} matches inside this target's bounds acts on ${either(resources)}; put it on a line with resources it acts on.`,
      );
    }
  }
  // When nothing on the line fits and every action was named, their problems already name each resource.
  if (pairs.length === 0 && actions.every((a) => a.explicit)) return { pairs, problems };
  for (const resource of resources) {
    if (!pairs.some((pair) => pair.resource === resource)) {
      problems.push(
        `line ${line}: no action on this line acts on ${resource}; put it on a line with actions that act on it, or remove it.`,
      );
    }
  }
  return { pairs, problems };
}
