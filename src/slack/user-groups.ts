import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log/logger.js';
import { groupMention } from './mrkdwn.js';

export interface UserGroupDirectory {
  /**
   * Members of a Slack user group, read at most `ttlMs` ago. Throws UserGroupUnavailableError
   * when they are older and Slack cannot be asked now: no decision rests on old membership.
   */
  members(groupId: string): Promise<readonly string[]>;
  /** What is cached now, however old, without asking Slack: for paths that must not wait (offering targets in a form). */
  cached(groupId: string): readonly string[] | undefined;
}

/**
 * Slack could not say who is in a user group now (error, 429, timeout). Whoever asked is told
 * `words` and nothing changes: someone removed from the group must not keep its power because
 * Slack is slow.
 */
export class UserGroupUnavailableError extends Error {
  readonly group: string;
  /** Mrkdwn for the person whose click depended on the group; the group is a mention. */
  readonly words: string;

  constructor(group: string, options?: { cause?: unknown }) {
    super(`could not read the members of Slack user group ${group}`, options);
    this.name = 'UserGroupUnavailableError';
    this.group = group;
    this.words = `jitbot could not check that you are in ${groupMention(group)} right now, so nothing changed; try again in a minute.`;
  }
}

export function isUserGroupUnavailable(error: unknown): error is UserGroupUnavailableError {
  return error instanceof UserGroupUnavailableError;
}

interface Entry {
  readonly members: readonly string[];
  readonly fetchedAt: number;
}

/** Someone removed from an approver group loses its power within this long. */
const DEFAULT_TTL_MS = 5 * 60_000;
/** A click waits no longer than this for Slack (its client may sit out a 429's Retry-After). */
const DEFAULT_TIMEOUT_MS = 5000;
/**
 * After a failed read, the group is not asked again for this long: a decision asks twice (before
 * and under the row lock), and a burst of clicks must not pile onto a Slack that is failing.
 */
const FAILURE_HOLD_MS = 10_000;

/** `promise`, or a rejection once `ms` have passed; the timer never keeps the process alive. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Slack did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Approver and requester groups are checked on every decision, so their membership is cached;
 * up to `ttlMs` (5 minutes) of staleness is the trade for not calling Slack on every click.
 * Older members are read again, and if Slack cannot answer, the caller is refused rather than
 * served the old list.
 */
export function createUserGroupDirectory(
  client: WebClient,
  logger: Logger,
  options: { ttlMs?: number; timeoutMs?: number; now?: () => number } = {},
): UserGroupDirectory {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const failedAt = new Map<string, { at: number; cause: unknown }>();
  const inFlight = new Map<string, Promise<readonly string[]>>();

  async function fetchMembers(groupId: string): Promise<readonly string[]> {
    try {
      const result = await within(client.usergroups.users.list({ usergroup: groupId }), timeoutMs);
      const members = Object.freeze([...(result.users ?? [])]);
      entries.set(groupId, { members, fetchedAt: now() });
      failedAt.delete(groupId);
      return members;
    } catch (error) {
      failedAt.set(groupId, { at: now(), cause: error });
      logger.warn({ err: error, userGroup: groupId }, 'could not read the members of a Slack user group');
      throw new UserGroupUnavailableError(groupId, { cause: error });
    } finally {
      inFlight.delete(groupId);
    }
  }

  return {
    async members(groupId) {
      const entry = entries.get(groupId);
      if (entry && now() - entry.fetchedAt < ttlMs) return entry.members;
      const failure = failedAt.get(groupId);
      if (failure && now() - failure.at < FAILURE_HOLD_MS)
        throw new UserGroupUnavailableError(groupId, { cause: failure.cause });
      const pending = inFlight.get(groupId) ?? fetchMembers(groupId);
      inFlight.set(groupId, pending);
      return pending;
    },
    cached: (groupId) => entries.get(groupId)?.members,
  };
}
