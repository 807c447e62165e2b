import { accountFor, type Catalog, type Target } from '../domain/catalog.js';
import { partitionOf } from '../domain/partition.js';
import type { RequestedPermissions } from '../domain/request.js';
import { generatePolicy } from '../policy/generate-policy.js';

/** Slack shows a field error under the field; past this it gets hard to read, so the rest are counted. */
const SHOWN_PROBLEMS = 6;

export type PermissionsCheck =
  | { readonly ok: true; readonly permissions: RequestedPermissions | null }
  | { readonly ok: false; readonly problem: string };

/** The format, with an example inside the target's bounds where one can be read off them. */
export const PERMISSIONS_FORMAT =
  'one line per statement: actions, a space, then resource ARNs, each list comma-separated, e.g. s3:GetObject,s3:ListBucket arn:aws:s3:::my-bucket,arn:aws:s3:::my-bucket/*';

function joinProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, SHOWN_PROBLEMS);
  const more = problems.length - shown.length;
  return [...shown, ...(more > 0 ? [`…and ${more} more; fix these first.`] : [])].join('\n');
}

/**
 * A request for a generated policy must say which permissions it needs; they are checked,
 * expanded, bounded, built into the smallest policy and proven by simulation before anyone is
 * asked (src/policy/). Other kinds take no permissions, and any given are refused, not dropped.
 */
export async function checkRequestedPermissions(
  catalog: Catalog,
  target: Target,
  text: string | undefined,
): Promise<PermissionsCheck> {
  const typed = text?.trim() ?? '';
  if (target.kind !== 'aws-iam-generated-policy') {
    if (typed === '') return { ok: true, permissions: null };
    return {
      ok: false,
      problem: `${target.name} grants fixed access and takes no permissions: leave them out`,
    };
  }
  if (typed === '')
    return { ok: false, problem: `Say which permissions you need in ${target.name}: ${PERMISSIONS_FORMAT}.` };
  const account = accountFor(catalog, target);
  // The text as typed: the engine skips blank lines itself, and its line numbers are the form's.
  const generated = await generatePolicy(text ?? '', {
    allow: target.allow,
    deny: target.deny,
    maxActions: target.maxActions,
    accountId: account.accountId,
    partition: partitionOf(account.connectorRoleArn),
  });
  if (!generated.ok) return { ok: false, problem: joinProblems(generated.problems) };
  const { statements, summary } = generated.policy;
  return { ok: true, permissions: { text: typed, statements, summary } };
}

/**
 * Stored permissions checked again against the target's bounds as the catalog has them now (an
 * admin may have narrowed them since the request): the words why they no longer stand, or
 * undefined. Before a grant is made, and before an extension is asked for.
 */
export async function permissionsStillFit(
  catalog: Catalog,
  target: Target,
  permissions: RequestedPermissions,
): Promise<string | undefined> {
  const checked = await checkRequestedPermissions(catalog, target, permissions.text);
  if (!checked.ok)
    return `the permissions asked for no longer fit ${target.name}'s bounds: ${checked.problem}`;
  const now = JSON.stringify(checked.permissions?.statements ?? []);
  if (now === JSON.stringify(permissions.statements)) return undefined;
  return `${target.name}'s bounds changed since the request was made, so its policy would differ from the one approved; ask again`;
}
