import { type ActionRules, actionRules } from './action-bounds.js';
import { buildStatements } from './build-statements.js';
import { parsePermissionText } from './permission-text.js';
import { POLICY_SIZE_LIMIT, policyDocument, policySize } from './policy-document.js';
import { summarize } from './policy-summary.js';
import type { PolicyBounds, PolicyGeneration, PolicyStatement } from './policy-types.js';
import { linePairs, type Pair } from './requested-pairs.js';
import { failedChecks } from './simulate-policy.js';
import { NOMINAL_EXPIRY, simulationPlan } from './simulation-plan.js';
import { plural } from './words.js';

export type { AccessLevel } from './action-data.js';
export type {
  GeneratedPolicy,
  PolicyBounds,
  PolicyGeneration,
  PolicyStatement,
  PolicySummary,
} from './policy-types.js';

/**
 * The requester's "Permissions" text turned into the smallest IAM policy inside a target's
 * bounds, proven by simulation, with the summary approvers read. Every problem is returned in
 * words (all of them where one does not hide the next); nothing here throws for bad input.
 */
export async function generatePolicy(text: string, bounds: PolicyBounds): Promise<PolicyGeneration> {
  const parsed = parsePermissionText(text);
  if (!parsed.ok) return parsed;
  const rules = await actionRules(bounds);
  const pairs: Pair[] = [];
  const problems: string[] = [];
  for (const line of parsed.lines) {
    const found = await linePairs(line, rules, bounds);
    pairs.push(...found.pairs);
    problems.push(...found.problems);
  }
  if (problems.length > 0) return { ok: false, problems };
  const statements = buildStatements(pairs);
  const unique = uniquePairs(pairs);
  const overLimit = limitProblem(statements, unique.length, bounds);
  if (overLimit) return { ok: false, problems: [overLimit] };
  const unproven = await proofProblem(statements, unique, rules, bounds);
  if (unproven) return { ok: false, problems: [unproven] };
  return { ok: true, policy: { statements, summary: await summarize(statements) } };
}

/** Step 6: the simulation, at the nominal expiry; any failure or error refuses the whole policy. */
async function proofProblem(
  statements: readonly PolicyStatement[],
  pairs: readonly Pair[],
  rules: ActionRules,
  bounds: PolicyBounds,
): Promise<string | undefined> {
  const plan = await simulationPlan(pairs, rules);
  const document = policyDocument(statements, NOMINAL_EXPIRY);
  const failures = [...plan.untestable, ...(await failedChecks(document, plan.checks, bounds))];
  if (failures.length === 0) return undefined;
  const more = failures.length > 1 ? ` and ${plural(failures.length - 1, 'other check')} failed too` : '';
  return `jitbot could not prove this policy (${failures[0]}${more}), so nothing was sent to approvers; this is a fault in jitbot, not in the request, so tell a jitbot admin.`;
}

/**
 * Each pair costs two simulations of about half a millisecond, so the number proven in one
 * request is capped: 500 keeps the worst request near half a second, where an uncapped one
 * (3,000 characters of resources times the actions) could take tens of seconds.
 */
export const MAX_PROVEN_PAIRS = 500;

function uniquePairs(pairs: readonly Pair[]): Pair[] {
  const seen = new Map(pairs.map((pair) => [`${pair.action} ${pair.resource}`, pair]));
  return [...seen.values()];
}

/** Steps 4 and 5: the action limit of the target, IAM's size limit (with an expiry filled in), then what jitbot can prove. */
function limitProblem(
  statements: readonly PolicyStatement[],
  pairs: number,
  bounds: PolicyBounds,
): string | undefined {
  const actions = new Set(statements.flatMap((statement) => statement.actions)).size;
  if (actions > bounds.maxActions) {
    return `This request comes to ${actions} actions once wildcards are expanded and this target grants at most ${bounds.maxActions} in one request; narrow the wildcards (e.g. s3:GetObject* instead of s3:Get*) or ask for fewer actions.`;
  }
  const size = policySize(policyDocument(statements, NOMINAL_EXPIRY));
  if (size > POLICY_SIZE_LIMIT) {
    return `The policy would be ${size} characters and IAM allows at most ${POLICY_SIZE_LIMIT} in a managed policy; narrow the wildcards or ask for fewer resources.`;
  }
  if (pairs > MAX_PROVEN_PAIRS) {
    return `This request comes to ${pairs} pairs of an action and a resource and jitbot proves at most ${MAX_PROVEN_PAIRS} in one request; use a wildcard resource (e.g. arn:${bounds.partition}:s3:::my-bucket/* rather than each object) or ask for fewer actions.`;
  }
  return undefined;
}
