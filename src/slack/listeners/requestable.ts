import type { Target } from '../../domain/catalog.js';
import type { UserGroupDirectory } from '../user-groups.js';

/**
 * Targets to offer a person, decided without calling Slack: the request form must open within
 * Slack's 3-second trigger window. A target restricted to a group whose members are not cached
 * yet is offered; submitting still checks properly.
 */
export function offerableTargets(
  targets: readonly Target[],
  userId: string,
  directory: UserGroupDirectory,
): Target[] {
  return targets.filter((target) => {
    const restriction = target.requesters;
    if (!restriction || restriction.users.includes(userId)) return true;
    return restriction.userGroups.some((group) => {
      const members = directory.cached(group);
      return members === undefined || members.includes(userId);
    });
  });
}

/** The exact list for replies that may take their time (`list`, errors after ack). */
export async function requestableTargets(
  targets: readonly Target[],
  userId: string,
  directory: UserGroupDirectory,
): Promise<Target[]> {
  const allowed: Target[] = [];
  for (const target of targets) {
    const restriction = target.requesters;
    if (!restriction || restriction.users.includes(userId)) {
      allowed.push(target);
      continue;
    }
    for (const group of restriction.userGroups) {
      if ((await directory.members(group)).includes(userId)) {
        allowed.push(target);
        break;
      }
    }
  }
  return allowed;
}
