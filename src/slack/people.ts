import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Queryable } from '../db/pool.js';
import { type CachedSlackUser, findFreshSlackUser, saveSlackUser } from '../db/slack-users-repository.js';
import type { PeopleDirectory, SlackProfile } from '../workflow/prepare-request.js';
import type { SlackRefusal } from '../workflow/requester-checks.js';

/** Emails change rarely; an hour keeps users.info off the path of most requests. */
const MAX_AGE_SECONDS = 60 * 60;

const usersInfoAnswer = z.object({
  user: z.object({
    id: z.string(),
    team_id: z.string().optional(),
    deleted: z.boolean().optional(),
    is_bot: z.boolean().optional(),
    is_app_user: z.boolean().optional(),
    is_restricted: z.boolean().optional(),
    is_ultra_restricted: z.boolean().optional(),
    // Enterprise Grid: the organisation's workspaces this person belongs to.
    enterprise_user: z.object({ teams: z.array(z.string()).optional() }).optional(),
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

/**
 * The first thing Slack's facts rule out, or undefined for a full member of jitbot's workspace.
 * A person whose workspaces Slack did not name is treated as from elsewhere: access is the
 * thing at stake, so an unknown answers no.
 */
function refusalOf(user: CachedSlackUser, ownTeam: string): SlackRefusal | undefined {
  if (user.deleted) return 'deactivated';
  if (user.isBot) return 'bot';
  if (user.isAppUser) return 'app-user';
  if (!user.teams.includes(ownTeam)) return 'other-workspace';
  if (user.isUltraRestricted) return 'single-channel-guest';
  if (user.isRestricted) return 'guest';
  return undefined;
}

function toProfile(user: CachedSlackUser, ownTeam: string): SlackProfile {
  const refusal = refusalOf(user, ownTeam);
  return {
    userId: user.userId,
    inactive: user.deleted || user.isBot,
    ...(refusal ? { refusal } : {}),
    ...(user.email ? { email: user.email } : {}),
  };
}

/** The workspace the bot token belongs to (auth.test), asked once; a failure is asked again next time. */
function ownTeamOf(client: WebClient): () => Promise<string> {
  let known: Promise<string> | undefined;
  return () => {
    known ??= client.auth.test().then((answer) => {
      if (!answer.team_id) throw new Error("Slack's auth.test answer named no team_id");
      return answer.team_id;
    });
    known.catch(() => {
      known = undefined;
    });
    return known;
  };
}

/**
 * Slack user id -> email and standing (member, guest, another workspace, bot, deactivated), from
 * users.info (needs users:read and users:read.email), cached in `slack_users` so replicas share
 * what one of them fetched.
 */
export function createPeopleDirectory(db: Queryable, client: WebClient): PeopleDirectory {
  const ownTeam = ownTeamOf(client);
  return {
    async lookup(userId) {
      const team = await ownTeam();
      const cached = await findFreshSlackUser(db, userId, MAX_AGE_SECONDS);
      if (cached) return toProfile(cached, team);
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
        teams: [
          ...new Set([...(user.team_id ? [user.team_id] : []), ...(user.enterprise_user?.teams ?? [])]),
        ],
        isRestricted: user.is_restricted ?? false,
        isUltraRestricted: user.is_ultra_restricted ?? false,
        isAppUser: user.is_app_user ?? false,
      };
      await saveSlackUser(db, fetched);
      return toProfile(fetched, team);
    },
  };
}
