import type { Queryable } from './pool.js';

export interface CachedSlackUser {
  readonly userId: string;
  readonly email: string | null;
  readonly realName: string | null;
  readonly displayName: string | null;
  readonly isBot: boolean;
  readonly deleted: boolean;
  /** users.info's team_id and, on Enterprise Grid, the workspaces of the organisation the person is in. */
  readonly teams: readonly string[];
  /** A multi-channel guest. */
  readonly isRestricted: boolean;
  /** A single-channel guest. */
  readonly isUltraRestricted: boolean;
  readonly isAppUser: boolean;
}

/** The cached profile if it was fetched within `maxAgeSeconds`. */
export async function findFreshSlackUser(db: Queryable, userId: string, maxAgeSeconds: number) {
  const { rows } = await db.query<CachedSlackUser>(
    `SELECT user_id AS "userId", email, real_name AS "realName", display_name AS "displayName",
            is_bot AS "isBot", deleted, teams, is_restricted AS "isRestricted",
            is_ultra_restricted AS "isUltraRestricted", is_app_user AS "isAppUser"
       FROM slack_users WHERE user_id = $1 AND fetched_at > now() - make_interval(secs => $2)`,
    [userId, maxAgeSeconds],
  );
  return rows[0];
}

export async function saveSlackUser(db: Queryable, user: CachedSlackUser): Promise<void> {
  await db.query(
    `INSERT INTO slack_users (user_id, email, real_name, display_name, is_bot, deleted, teams, is_restricted,
                              is_ultra_restricted, is_app_user, fetched_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
     ON CONFLICT (user_id) DO UPDATE SET email = $2, real_name = $3, display_name = $4, is_bot = $5,
       deleted = $6, teams = $7, is_restricted = $8, is_ultra_restricted = $9, is_app_user = $10,
       fetched_at = now()`,
    [
      user.userId,
      user.email,
      user.realName,
      user.displayName,
      user.isBot,
      user.deleted,
      user.teams,
      user.isRestricted,
      user.isUltraRestricted,
      user.isAppUser,
    ],
  );
}
