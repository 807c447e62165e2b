import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log/logger.js';

export interface UserGroupDirectory {
  /** Members of a Slack user group, cached for a few minutes. */
  members(groupId: string): Promise<readonly string[]>;
  /** What is cached now, without asking Slack: for paths that must not wait (opening a modal). */
  cached(groupId: string): readonly string[] | undefined;
}

interface Entry {
  readonly members: readonly string[];
  readonly fetchedAt: number;
}

const DEFAULT_TTL_MS = 5 * 60_000;

/**
 * Approver and requester groups are checked on every decision, so their membership is cached;
 * a few minutes of staleness is the trade for not calling Slack on every click. When Slack
 * fails, a stale answer is better than none, and is logged.
 */
export function createUserGroupDirectory(
  client: WebClient,
  logger: Logger,
  options: { ttlMs?: number; now?: () => number } = {},
): UserGroupDirectory {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<readonly string[]>>();

  async function fetchMembers(groupId: string): Promise<readonly string[]> {
    try {
      const result = await client.usergroups.users.list({ usergroup: groupId });
      const members = Object.freeze([...(result.users ?? [])]);
      entries.set(groupId, { members, fetchedAt: now() });
      return members;
    } catch (error) {
      const stale = entries.get(groupId);
      if (!stale) throw error;
      logger.warn(
        { err: error, userGroup: groupId },
        'could not refresh a Slack user group; using the last known members',
      );
      return stale.members;
    } finally {
      inFlight.delete(groupId);
    }
  }

  return {
    async members(groupId) {
      const entry = entries.get(groupId);
      if (entry && now() - entry.fetchedAt < ttlMs) return entry.members;
      const pending = inFlight.get(groupId) ?? fetchMembers(groupId);
      inFlight.set(groupId, pending);
      return pending;
    },
    cached: (groupId) => entries.get(groupId)?.members,
  };
}
