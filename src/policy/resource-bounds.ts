import type { PolicyBounds } from './policy-types.js';
import { globCovers } from './resource-glob.js';
import { listed } from './words.js';

/**
 * Step 2 for resources: each requested resource must be an ARN of the target's partition and,
 * when the ARN has an account field, of the target's account, and lie inside one of the allowed
 * resource patterns. `*` alone is every resource: only an allowed `*` covers it.
 */

const ARN = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.+)$/;

/** Why the resource may not be requested, ending with the fix; undefined when it may. */
export function resourceProblem(resource: string, bounds: PolicyBounds): string | undefined {
  const inside = bounds.allow.resources.some((allowed) => globCovers(allowed, resource));
  if (resource === '*') {
    return inside
      ? undefined
      : `* (every resource) is outside what this target allows (${listed(bounds.allow.resources)}); name the resources instead`;
  }
  // A backtick would end the code block approvers read the document in, and let the rest pose as jitbot's words.
  if (resource.includes('`')) {
    return `${resource} has a backtick, which no ARN jitbot grants has; remove it`;
  }
  // IAM fills ${...} from the request context at each call, so what it grants is not what was approved.
  if (resource.includes('${')) {
    return `${resource} has a policy variable (\${...}), which jitbot does not grant; write the resource's own name`;
  }
  const arn = ARN.exec(resource);
  if (!arn) {
    return `${resource} is not a resource ARN; write it as arn:${bounds.partition}:SERVICE:REGION:ACCOUNT:RESOURCE, e.g. arn:${bounds.partition}:s3:::my-bucket/*`;
  }
  const [, partition = '', service = '', , account = ''] = arn;
  if (partition !== bounds.partition) {
    return `${resource} is in partition ${partition || '(none)'} but this target's account is in ${bounds.partition}; write it as arn:${bounds.partition}:${service}:... instead`;
  }
  if (account !== '' && account !== bounds.accountId) {
    return `${resource} names account ${account} but this target is account ${bounds.accountId}; use the target's account, or pick the target for that account`;
  }
  if (!inside) {
    return `${resource} is outside the resources this target allows (${listed(bounds.allow.resources)}); ask for resources inside those`;
  }
  return undefined;
}
