import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallRecorder } from '../../src/db/call-audit.js';
import { gatherWrites } from '../../src/db/gathered-writes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});
afterAll(() => database.drop());

describe('recording AWS and Okta calls', () => {
  it('a burst of calls is written together: every one of them, in the order they were made', async () => {
    const record = createCallRecorder(database.pool);
    const calls = Array.from({ length: 120 }, (_, index) => ({
      action: index % 2 === 0 ? 'aws.iam.RemoveUserFromGroup' : 'aws.scheduler.DeleteSchedule',
      outcome: 'ok' as const,
      context: {
        requestId: `REQ-BURST${String(index).padStart(3, '0')}`,
        grantId: `GNT-BURST${String(index).padStart(3, '0')}`,
        actor: 'jitbot',
        session: 'jitbot-revoke-1a2b3c4d',
      },
      account: '111111111111',
      resource: 'arn:aws:iam::111111111111:group/jit/jit-admin',
      principal: `user${index}`,
      providerRequestId: `rid-${index}`,
    }));
    await Promise.all(calls.map((call) => record(call)));
    const { rows } = await database.pool.query(
      `SELECT request_id, action, details FROM audit_events WHERE request_id LIKE 'REQ-BURST%' ORDER BY id`,
    );
    expect(rows.map((row) => row.request_id)).toEqual(calls.map((call) => call.context.requestId));
    expect(rows[0].details).toEqual({
      account: '111111111111',
      resource: 'arn:aws:iam::111111111111:group/jit/jit-admin',
      principal: 'user0',
      providerRequestId: 'rid-0',
      session: 'jitbot-revoke-1a2b3c4d',
    });
  });

  it('a call made while its connection is cut is still audited: the row is written on the next try', async () => {
    let cut = 2;
    const flaky = {
      query: (...args: Parameters<typeof database.pool.query>) => {
        if (cut > 0) {
          cut -= 1;
          return Promise.reject(new Error('terminating connection due to administrator command'));
        }
        return database.pool.query(...args);
      },
    } as unknown as typeof database.pool;
    await createCallRecorder(flaky)({
      action: 'aws.iam.AddUserToGroup',
      outcome: 'ok',
      context: { requestId: 'REQ-CUT0001', grantId: 'GNT-CUT0001', actor: 'jitbot' },
      providerRequestId: 'rid-cut',
    });
    const { rows } = await database.pool.query(
      "SELECT details->>'providerRequestId' AS rid FROM audit_events WHERE request_id = 'REQ-CUT0001'",
    );
    expect(rows).toEqual([{ rid: 'rid-cut' }]);
  });

  it('a batch that cannot be written fails only the callers whose own write fails', async () => {
    const written: number[][] = [];
    const write = gatherWrites(async (items: readonly number[]) => {
      if (items.includes(3)) throw new Error('row 3 breaks a constraint');
      written.push([...items]);
    });
    const results = await Promise.allSettled([1, 2, 3].map((item) => write(item)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(written).toEqual([[1], [2]]);
    await expect(write(4)).resolves.toBeUndefined();
  });
});
