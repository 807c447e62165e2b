import type { Catalog } from '../domain/catalog.js';
import { UserFacingError } from '../errors.js';
import { actionsMatching, serviceExists, suggestActions } from '../policy/action-data.js';
import { formatPath, type Path, type Problem, plural } from './catalog-problems.js';

/**
 * The check of aws-iam-generated-policy targets that needs the IAM action data: every action
 * pattern in allow and deny must match at least one real action. A typo in allow would only
 * refuse requests, but a typo in deny would silently grant what it was meant to keep out.
 * Run after loadCatalog, at start-up and by `jitbot doctor`; a catalog without such a target
 * reads no action data at all.
 */

interface PatternAt {
  readonly pattern: string;
  readonly path: Path;
}

export function hasGeneratedPolicyTargets(catalog: Catalog): boolean {
  return catalog.targets.some((target) => target.kind === 'aws-iam-generated-policy');
}

/** Throws the error loadCatalog throws, listing every pattern that matches nothing, in file order. */
export async function checkGeneratedPolicyTargets(catalog: Catalog, fileName: string): Promise<void> {
  const patterns = catalog.targets.flatMap((target, index): PatternAt[] => {
    if (target.kind !== 'aws-iam-generated-policy') return [];
    const at = (key: 'allow' | 'deny', pattern: string, item: number) => ({
      pattern,
      path: ['targets', index, key, 'actions', item],
    });
    return [
      ...target.allow.actions.map((pattern, item) => at('allow', pattern, item)),
      ...target.deny.actions.map((pattern, item) => at('deny', pattern, item)),
    ];
  });
  const found = await Promise.all(patterns.map(patternProblem));
  const problems = found.filter((problem): problem is Problem => problem !== undefined);
  if (problems.length === 0) return;
  const lines = problems.map((problem) => `  - ${formatPath(problem.path)}: ${problem.message}`);
  throw new UserFacingError(
    'catalog_invalid',
    `The catalog ${fileName} is not valid (${plural(lines.length, 'problem')}):\n${lines.join('\n')}`,
  );
}

async function patternProblem({ pattern, path }: PatternAt): Promise<Problem | undefined> {
  if ((await actionsMatching(pattern)).length > 0) return undefined;
  const suggestions = await suggestActions(pattern);
  const service = pattern.slice(0, pattern.indexOf(':'));
  if (!(await serviceExists(service))) {
    const guess = suggestions.length > 0 ? ` (did you mean ${either(suggestions)}?)` : '';
    const message = `${JSON.stringify(pattern)} names no IAM service: there is no service ${service}${guess}; write the prefix IAM gives the service, e.g. s3, ec2 or logs`;
    return { path, message };
  }
  const fix =
    suggestions.length > 0
      ? `did you mean ${either(suggestions)}?`
      : `correct it to actions ${service} has, or remove it`;
  return { path, message: `${JSON.stringify(pattern)} matches no IAM action; ${fix}` };
}

/** `a`, `a or b`, `a, b or c`. */
function either(words: readonly string[]): string {
  const last = words.at(-1) ?? '';
  return words.length <= 1 ? last : `${words.slice(0, -1).join(', ')} or ${last}`;
}
