import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRetentionSource } from '../../src/jobs/retention-source.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});
afterAll(() => database.drop());

async function job(kind: string, status: string, finishedDaysAgo: number | null): Promise<void> {
  await database.pool.query(
    `INSERT INTO jobs (kind, status, finished_at)
     VALUES ($1, $2::job_status, CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(days => $3::int) END)`,
    [kind, status, finishedDaysAgo],
  );
}

describe('job retention', () => {
  it('deletes jobs done over a week ago, hourly, and keeps failed, recent and open ones', async () => {
    for (let index = 0; index < 3; index += 1) await job('old-done', 'done', 8);
    await job('recent-done', 'done', 1);
    await job('old-failed', 'failed', 30);
    await job('open', 'queued', null);
    let clock = Date.now();
    const source = createJobRetentionSource(database.pool, () => clock);
    // Not in the first minute after start: a restart loop must not hammer the table.
    expect(await source.runDue()).toBe(0);
    clock += 61_000;
    expect(await source.runDue()).toBe(3);
    const { rows } = await database.pool.query<{ kind: string }>('SELECT kind FROM jobs ORDER BY kind');
    expect(rows.map((row) => row.kind)).toEqual(['old-failed', 'open', 'recent-done']);
    // Then not again for an hour.
    await job('old-done', 'done', 8);
    clock += 30 * 60_000;
    expect(await source.runDue()).toBe(0);
    clock += 31 * 60_000;
    expect(await source.runDue()).toBe(1);
  });
});
