import { resourceStringMatchesResourceTypePattern } from '@cloud-copilot/iam-utils';
import type { ActionInfo, ResourceTypeInfo } from './action-data.js';
import type { PolicyBounds } from './policy-types.js';
import { either } from './words.js';

/**
 * Step 3: whether an action can act on a resource, by the resource types and ARN formats of the
 * action data. The match is iam-utils' own (what iam-simulate uses to pick a resource type): a
 * variable standing alone in the resource part never spans a `/` or `:`, so
 * arn:aws:s3:::b/k fits an object (${BucketName}/${ObjectName}) and not a bucket (${BucketName}).
 * A requested pattern fits when some resource it matches is of one of the action's types.
 */

/** Whether the statement "action on resource" can ever take effect. */
export function actsOn(info: ActionInfo, resource: string): boolean {
  // An action without resource types is authorized against "*" only; an ARN would never match it.
  if (info.resourceTypes.length === 0) return resource === '*';
  if (resource === '*') return false;
  return info.resourceTypes.some((type) => fitsFormat(resource, type.arnFormat));
}

/**
 * Remembered, because one wildcard expands to many actions sharing a few ARN formats and the
 * match is an automaton walk (about a millisecond for a long ARN): a long request would otherwise
 * repeat it thousands of times. Cleared when large, so what requesters type cannot grow memory
 * without bound.
 */
const fits = new Map<string, boolean>();

function fitsFormat(resource: string, arnFormat: string): boolean {
  const key = `${arnFormat}\n${resource}`;
  let answer = fits.get(key);
  if (answer === undefined) {
    answer = resourceStringMatchesResourceTypePattern(resource, arnFormat);
    if (fits.size >= 20_000) fits.clear();
    fits.set(key, answer);
  }
  return answer;
}

/** Why an action the requester named acts on none of the resources of its line, ending with the fix. */
export function misfitWords(
  info: ActionInfo,
  resources: readonly string[],
  bounds: PolicyBounds,
  starAllowed: boolean,
): string {
  const resource = either(resources);
  if (info.resourceTypes.length === 0) {
    const fix = starAllowed
      ? 'add * to the resources of its line'
      : 'this target does not allow *, so it cannot grant it';
    return `${info.action} cannot be limited to a resource, IAM only grants it on * (every resource), not on ${resource}; ${fix}`;
  }
  const kinds = either(info.resourceTypes.map((type) => `${type.name} (${exampleArn(type, bounds)})`));
  if (resources.length === 1 && resource === '*') {
    return `${info.action} acts on ${kinds}, and * would grant it on every one; name the resources instead`;
  }
  return `${info.action} acts on ${kinds}, not on ${resource}; add an ARN of that kind to the line, or move the action to a line that has one`;
}

/** The ARN format with what the target fixes filled in and the rest in capitals: arn:aws:s3:::BUCKET_NAME. */
function exampleArn(type: ResourceTypeInfo, bounds: PolicyBounds): string {
  return type.arnFormat.replace(/\$\{([A-Za-z0-9]+)\}/g, (_all, name: string) => {
    if (name === 'Partition') return bounds.partition;
    if (name === 'Account') return bounds.accountId;
    return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  });
}
