/**
 * The due times of App Home publishes (migration 0015): a person's Home falls due when something
 * that concerns them changes, at most once every SPACING_SECONDS, and is claimed by one replica.
 */
import { type Queryable, readDueTime } from './pool.js';

/** At most one publish per person this often: Slack rate-limits views.publish per person. */
export const SPACING_SECONDS = 2;

export interface HomeClaim {
  readonly userId: string;
  /** The version this publish covers; a later change makes the row due again. */
  readonly version: number;
  readonly failures: number;
}

const DUE_AFTER_CHANGE = `COALESCE(home_views.due_at,
  GREATEST(now(), home_views.published_at + make_interval(secs => ${SPACING_SECONDS})))`;

function slackPeople(userIds: readonly string[]): string[] {
  return [...new Set(userIds)].filter((id) => /^[UW][A-Z0-9]{2,}$/.test(id)).sort();
}

/**
 * Marks these people's Homes out of date, for those who have one (they opened it once): a Home
 * nobody opened is published when they first do, so changes do not publish Homes nobody reads.
 * A row already due keeps its time (changes coalesce); otherwise it falls due now, or
 * SPACING_SECONDS after the last publish if that is later.
 */
export async function touchHomes(db: Queryable, userIds: readonly string[]): Promise<void> {
  const people = slackPeople(userIds);
  if (people.length === 0) return;
  await db.query(
    `UPDATE home_views SET version = version + 1, due_at = ${DUE_AFTER_CHANGE}
      WHERE user_id = ANY($1::text[])`,
    [people],
  );
}

/** The person opened their Home (or clicked on it): it gets a row if new, and falls due. */
export async function openedHome(db: Queryable, userId: string): Promise<void> {
  const people = slackPeople([userId]);
  if (people.length === 0) return;
  await db.query(
    `INSERT INTO home_views (user_id, due_at) VALUES ($1, now())
     ON CONFLICT (user_id) DO UPDATE SET version = home_views.version + 1, due_at = ${DUE_AFTER_CHANGE}`,
    [people[0]],
  );
}

/** Due Homes nobody is publishing, leased to this replica for `leaseSeconds`. */
export async function claimDueHomes(
  db: Queryable,
  limit: number,
  leaseSeconds: number,
): Promise<HomeClaim[]> {
  const { rows } = await db.query<{ userId: string; version: string; failures: number }>(
    `UPDATE home_views SET leased_until = now() + make_interval(secs => $2)
      WHERE user_id IN (
        SELECT user_id FROM home_views
         WHERE due_at <= now() AND (leased_until IS NULL OR leased_until < now())
         ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING user_id AS "userId", version, failures`,
    [limit, leaseSeconds],
  );
  return rows.map((row) => ({ userId: row.userId, version: Number(row.version), failures: row.failures }));
}

export async function extendHomeLeases(
  db: Queryable,
  userIds: readonly string[],
  leaseSeconds: number,
): Promise<void> {
  await db.query(
    `UPDATE home_views SET leased_until = now() + make_interval(secs => $2)
      WHERE user_id = ANY($1::text[]) AND leased_until IS NOT NULL`,
    [userIds, leaseSeconds],
  );
}

/** Gives a claim back untouched and due now. */
export async function handBackHome(db: Queryable, userId: string): Promise<void> {
  await db.query('UPDATE home_views SET leased_until = NULL WHERE user_id = $1', [userId]);
}

/**
 * Published `version`: current, unless something changed meanwhile, in which case it falls due
 * again SPACING_SECONDS from now.
 */
export async function settleHome(db: Queryable, claim: HomeClaim): Promise<void> {
  await db.query(
    `UPDATE home_views
        SET published_version = $2, published_at = now(), leased_until = NULL, failures = 0, last_error = NULL,
            due_at = CASE WHEN version > $2 THEN now() + make_interval(secs => ${SPACING_SECONDS}) END
      WHERE user_id = $1`,
    [claim.userId, claim.version],
  );
}

/** The publish failed: due again after `delayMs`, the error kept for operators. */
export async function retryHome(
  db: Queryable,
  userId: string,
  delayMs: number,
  error: string,
): Promise<void> {
  await db.query(
    `UPDATE home_views
        SET leased_until = NULL, failures = failures + 1, last_error = $3,
            due_at = now() + make_interval(secs => $2::double precision / 1000)
      WHERE user_id = $1`,
    [userId, delayMs, error],
  );
}

/** The next time a Home falls due or a lease runs out. */
export function nextHomeDue(db: Queryable): Promise<Date | undefined> {
  return readDueTime(
    db,
    `SELECT min(GREATEST(due_at, COALESCE(leased_until, due_at))) AS due
       FROM home_views WHERE due_at IS NOT NULL`,
  );
}
