import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  claimDueHomes,
  openedHome,
  retryHome,
  SPACING_SECONDS,
  settleHome,
  touchHomes,
} from '../../src/db/home-views-repository.js';
import { createHomeSource } from '../../src/jobs/home-source.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});
afterAll(() => database.drop());

let sequence = 0;
function person(): string {
  sequence += 1;
  return `UHV${sequence}`;
}

async function row(userId: string) {
  const { rows } = await database.pool.query(
    `SELECT version::int, published_version::int AS "publishedVersion", due_at AS "dueAt",
            published_at AS "publishedAt", failures, last_error AS "lastError"
       FROM home_views WHERE user_id = $1`,
    [userId],
  );
  return rows[0];
}

/** Moves the person's last publish into the past, as if SPACING_SECONDS had gone by. */
async function age(userId: string): Promise<void> {
  await database.pool.query(
    `UPDATE home_views SET published_at = published_at - make_interval(secs => $2),
            due_at = due_at - make_interval(secs => $2) WHERE user_id = $1`,
    [userId, SPACING_SECONDS + 1],
  );
}

/** People who have opened their Home once: only their Homes are kept up to date. */
async function opened(...users: string[]): Promise<void> {
  for (const user of users) await openedHome(database.pool, user);
  await database.pool.query('UPDATE home_views SET due_at = NULL, version = 0 WHERE user_id = ANY($1)', [
    users,
  ]);
}

describe('App Home refreshes', () => {
  it('a change publishes only the Homes of people who opened theirs', async () => {
    const [reader, never] = [person(), person()];
    await opened(reader);
    await touchHomes(database.pool, [reader, never]);
    const claimed = (await claimDueHomes(database.pool, 50, 60)).map((one) => one.userId);
    expect(claimed).toContain(reader);
    expect(claimed).not.toContain(never);
    expect(await row(never)).toBeUndefined();
  });

  it('coalesce: many changes before a publish make one publish of the latest version', async () => {
    const user = person();
    await opened(user);
    for (let change = 0; change < 5; change += 1) await touchHomes(database.pool, [user]);
    const claims = (await claimDueHomes(database.pool, 50, 60)).filter((claim) => claim.userId === user);
    expect(claims).toHaveLength(1);
    expect(claims[0]?.version).toBe(5);
    await settleHome(database.pool, claims[0] as (typeof claims)[number]);
    expect(await row(user)).toMatchObject({ publishedVersion: 5, dueAt: null });
  });

  it('a change during a publish is never dropped: the Home falls due again, SPACING_SECONDS after that publish', async () => {
    const user = person();
    await opened(user);
    await touchHomes(database.pool, [user]);
    const [claim] = (await claimDueHomes(database.pool, 50, 60)).filter((one) => one.userId === user);
    // Changed while the publish is in flight: a second claim must not run beside the first.
    await touchHomes(database.pool, [user]);
    expect((await claimDueHomes(database.pool, 50, 60)).some((one) => one.userId === user)).toBe(false);
    if (!claim) throw new Error('no claim');
    await settleHome(database.pool, claim);
    const after = await row(user);
    expect(after.version).toBe(2);
    expect(after.publishedVersion).toBe(1);
    const gap = after.dueAt.getTime() - after.publishedAt.getTime();
    expect(gap).toBeGreaterThanOrEqual(SPACING_SECONDS * 1000 - 5);
    // Not before the spacing has passed; then once, with the latest version.
    expect((await claimDueHomes(database.pool, 50, 60)).some((one) => one.userId === user)).toBe(false);
    await age(user);
    const again = (await claimDueHomes(database.pool, 50, 60)).filter((one) => one.userId === user);
    expect(again.map((one) => one.version)).toEqual([2]);
  });

  it('at most one publish per person every SPACING_SECONDS, however often it changes', async () => {
    const user = person();
    await openedHome(database.pool, user);
    const [first] = (await claimDueHomes(database.pool, 50, 60)).filter((one) => one.userId === user);
    if (!first) throw new Error('no claim');
    await settleHome(database.pool, first);
    await touchHomes(database.pool, [user]);
    const due = (await row(user)).dueAt.getTime();
    const published = (await row(user)).publishedAt.getTime();
    expect(due - published).toBeGreaterThanOrEqual(SPACING_SECONDS * 1000 - 5);
  });

  it('two replicas claiming at once never both take the same Home', async () => {
    const users = Array.from({ length: 40 }, person);
    for (const user of users) await openedHome(database.pool, user);
    const [a, b] = await Promise.all([
      claimDueHomes(database.pool, 100, 60),
      claimDueHomes(database.pool, 100, 60),
    ]);
    const mine = (claims: typeof a) => claims.map((one) => one.userId).filter((id) => users.includes(id));
    const taken = [...mine(a), ...mine(b)];
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.sort()).toEqual([...users].sort());
  });

  it('ignores ids that are not Slack people', async () => {
    for (const id of ['CADMIN1', 'jitbot', '']) await openedHome(database.pool, id);
    const { rows } = await database.pool.query(
      "SELECT count(*)::int AS n FROM home_views WHERE user_id IN ('CADMIN1', 'jitbot', '')",
    );
    expect(rows[0].n).toBe(0);
  });

  it('a failed publish is kept with its reason and tried again; the source then publishes it', async () => {
    const user = person();
    await openedHome(database.pool, user);
    const [claim] = (await claimDueHomes(database.pool, 50, 60)).filter((one) => one.userId === user);
    if (!claim) throw new Error('no claim');
    await retryHome(database.pool, user, 0, 'An API error occurred: not_enabled');
    expect(await row(user)).toMatchObject({ failures: 1, lastError: 'An API error occurred: not_enabled' });

    const published: string[] = [];
    const source = createHomeSource({
      pool: database.pool,
      publish: async (userId) => {
        published.push(userId);
      },
      logger: silentLogger,
    });
    await source.runDue();
    await vi.waitFor(async () =>
      expect(await row(user)).toMatchObject({ failures: 0, lastError: null, dueAt: null }),
    );
    expect(published).toContain(user);
    await source.drain?.();
  });
});
