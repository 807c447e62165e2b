/**
 * `jitbot audit verify` through the built CLI, as an auditor runs it: exit 0 on an intact log,
 * 1 naming the row someone edited by hand, 2 on a usage mistake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChainHead } from '../../src/db/audit-chain-repository.js';
import { chainAll, recordEvent } from '../db/audit-chain-steps.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runCli, serviceEnv } from '../support/service-process.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});
afterAll(() => database.drop());

async function jitbotCli(...args: string[]): Promise<{ code: number | null; output: string }> {
  const run = runCli(args, serviceEnv({ DATABASE_URL: database.url, LOG_LEVEL: 'warn' }));
  const exit = await run.exited;
  return { code: exit.code, output: run.output() };
}

describe('jitbot audit verify', () => {
  it('passes on an intact log, names the row edited by hand, and refuses a malformed checkpoint', async () => {
    const { pool } = database;
    await recordEvent(pool, { action: 'request.submitted' });
    const edited = await recordEvent(pool, { action: 'request.approved' });
    await chainAll(pool);
    const head = await readChainHead(pool);

    const intact = await jitbotCli('audit', 'verify', '--checkpoint', `2:${head?.hash}`);
    expect(intact.code).toBe(0);
    expect(intact.output).toContain(`audit chain intact: 2 links, seq 1 to 2, head hash ${head?.hash}`);

    const usage = await jitbotCli('audit', 'verify', '--checkpoint', 'yesterday');
    expect(usage.code).toBe(2);
    expect(usage.output).toContain('--checkpoint takes SEQ:HASH as posted in the admin channel');

    await pool.query('DROP TRIGGER audit_events_no_update_or_delete ON audit_events');
    await pool.query(`UPDATE audit_events SET actor = 'U999' WHERE id = $1`, [edited]);
    const broken = await jitbotCli('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.output).toContain(`seq 2: event id ${edited} was changed after it was chained`);
  });
});
