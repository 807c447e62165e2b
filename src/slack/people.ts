import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Queryable } from '../db/pool.js';
import { type CachedSlackUser, findFreshSlackUser, saveSlackUser } from '../db/slack-users-repository.js';
import type { PeopleDirectory, SlackProfile } from '../workflow/prepare-request.js';

/** Emails change rarely; an hour keeps users.info off the path of most requests. */
const MAX_AGE_SECONDS = 60 * 60;

const usersInfoAnswer = z.object({
  user: z.object({
    id: z.string(),
    deleted: z.boolean().optional(),
    is_bot: z.boolean().optional(),
    real_name: z.string().optional(),
    profile: z
      .object({
        email: z.string().optional(),
        display_name: z.string().optional(),
        real_name: z.string().optional(),
      })
      .optional(),
  }),
});

function toProfile(user: CachedSlackUser): SlackProfile {
  return {
    userId: user.userId,
    inactive: user.deleted || user.isBot,
    ...(user.email ? { email: user.email } : {}),
  };
}

/**
 * Slack user id -> email and status, from users.info (needs users:read and users:read.email),
 * cached in `slack_users` so replicas share what one of them fetched.
 */
export function createPeopleDirectory(db: Queryable, client: WebClient): PeopleDirectory {
  return {
    async lookup(userId) {
      const cached = await findFreshSlackUser(db, userId, MAX_AGE_SECONDS);
      if (cached) return toProfile(cached);
      const answer = usersInfoAnswer.safeParse(await client.users.info({ user: userId }));
      if (!answer.success) throw new Error(`Slack's users.info answer for ${userId} could not be read`);
      const { user } = answer.data;
      const fetched: CachedSlackUser = {
        userId,
        email: user.profile?.email?.toLowerCase() ?? null,
        realName: user.real_name ?? user.profile?.real_name ?? null,
        displayName: user.profile?.display_name ?? null,
        isBot: user.is_bot ?? false,
        deleted: user.deleted ?? false,
      };
      await saveSlackUser(db, fetched);
      return toProfile(fetched);
    },
  };
}
