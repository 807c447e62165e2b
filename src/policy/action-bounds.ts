import {
  type ActionInfo,
  actionInfo,
  actionsMatching,
  serviceExists,
  suggestActions,
} from './action-data.js';
import { actionPatternMistake, parseActionPattern } from './action-pattern.js';
import type { PolicyBounds } from './policy-types.js';
import { either, listed, plural } from './words.js';

/**
 * Steps 1 and 2 for actions: each action the requester wrote is expanded against the action data
 * and held against the target's allow and deny patterns. Bounds patterns are expanded the same
 * way, so "inside allow" means exactly the actions the data says a pattern matches.
 */

export interface ActionRules {
  readonly allowed: ReadonlySet<string>;
  /** Each denied action and the first deny pattern that names it. */
  readonly denied: ReadonlyMap<string, string>;
  readonly allowWords: string;
  /** 'it allows s3:Get*, s3:List* and never s3:GetObjectAcl'. */
  readonly boundsWords: string;
}

export interface ResolvedAction {
  readonly info: ActionInfo;
  /** Written without wildcards: a mismatch is refused rather than quietly dropped. */
  readonly explicit: boolean;
  /** What the requester wrote that produced it. */
  readonly pattern: string;
}

export async function actionRules(bounds: PolicyBounds): Promise<ActionRules> {
  const allowed = new Set((await Promise.all(bounds.allow.actions.map(actionsMatching))).flat());
  const denied = new Map<string, string>();
  for (const pattern of bounds.deny.actions) {
    for (const action of await actionsMatching(pattern)) if (!denied.has(action)) denied.set(action, pattern);
  }
  const allowWords = listed(bounds.allow.actions);
  const never = bounds.deny.actions.length > 0 ? ` and never ${listed(bounds.deny.actions)}` : '';
  return { allowed, denied, allowWords, boundsWords: `it allows ${allowWords}${never}` };
}

/** The actions one pattern the requester wrote stands for, inside the bounds, or the problem. */
export async function resolveAction(
  line: number,
  pattern: string,
  rules: ActionRules,
): Promise<{ readonly actions: readonly ResolvedAction[] } | { readonly problem: string }> {
  const mistake = actionPatternMistake(pattern);
  if (mistake) return { problem: `line ${line}: ${mistake}.` };
  const matching = await actionsMatching(pattern);
  if (matching.length === 0) return { problem: await unknownAction(line, pattern) };
  const explicit = !parseActionPattern(pattern)?.wildcard;
  const [only] = matching;
  if (explicit && only !== undefined) {
    const outside = boundsProblem(only, rules);
    if (outside) return { problem: `line ${line}: ${outside}.` };
  }
  const inside = matching.filter((action) => rules.allowed.has(action) && !rules.denied.has(action));
  if (inside.length === 0) {
    return {
      problem: `line ${line}: ${pattern} matches ${plural(matching.length, 'action')} but none that this target grants (${rules.boundsWords}); ask for actions inside those.`,
    };
  }
  const infos = await Promise.all(inside.map(actionInfo));
  const actions = infos.flatMap((info) => (info ? [{ info, explicit, pattern }] : []));
  return { actions };
}

function boundsProblem(action: string, rules: ActionRules): string | undefined {
  const denyRule = rules.denied.get(action);
  if (denyRule !== undefined) {
    return `${action} is never granted by this target (it denies ${denyRule}); remove it from the request`;
  }
  if (!rules.allowed.has(action)) {
    return `${action} is outside what this target allows (${rules.allowWords}); ask only for actions inside those, or pick a target that grants it`;
  }
  return undefined;
}

async function unknownAction(line: number, pattern: string): Promise<string> {
  const suggestions = await suggestActions(pattern);
  const service = pattern.slice(0, pattern.indexOf(':'));
  if (!(await serviceExists(service))) {
    const fix =
      suggestions.length > 0
        ? `did you mean ${either(suggestions)}?`
        : 'write the prefix IAM gives the service, e.g. s3, ec2 or logs.';
    return `line ${line}: ${pattern} names no IAM service (there is no service ${service}); ${fix}`;
  }
  const what = parseActionPattern(pattern)?.wildcard
    ? `matches no action of ${service}`
    : `is not an action of ${service}`;
  const fix =
    suggestions.length > 0
      ? `did you mean ${either(suggestions)}?`
      : `check its spelling against the actions ${service} has.`;
  return `line ${line}: ${pattern} ${what}; ${fix}`;
}
