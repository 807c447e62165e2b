/**
 * Delivery keys in PostgreSQL: of any number of deliveries of one signed request, on any number of
 * replicas at once, exactly one is acted on; old keys are pruned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneDeliveries, recordFirstDeliveries } from '../../src/db/slack-deliveries-repository.js';
import { batchFirstDeliveries } from '../../src/slack/delivery-batcher.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});
afterAll(() => database?.drop());

describe('slack delivery keys', () => {
  it('lets exactly one of many concurrent deliveries of a key through, within a replica and across two', async () => {
    const replicaA = batchFirstDeliveries((keys) => recordFirstDeliveries(database.pool, keys));
    const replicaB = batchFirstDeliveries((keys) => recordFirstDeliveries(database.pool, keys));
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () => replicaA('signature:same')),
      ...Array.from({ length: 10 }, () => replicaB('signature:same')),
      replicaA('signature:other'),
    ]);
    expect(answers.slice(0, 20).filter(Boolean)).toHaveLength(1);
    expect(answers[20]).toBe(true);
  });

  it('prunes keys older than the replay window and keeps the rest', async () => {
    await recordFirstDeliveries(database.pool, ['signature:old', 'signature:new']);
    await database.pool.query(
      "UPDATE slack_deliveries SET seen_at = now() - interval '20 minutes' WHERE key = 'signature:old'",
    );
    expect(await pruneDeliveries(database.pool, 15 * 60, 100)).toBe(1);
    const { rows } = await database.pool.query(
      "SELECT key FROM slack_deliveries WHERE key LIKE 'signature:%' ORDER BY key",
    );
    expect(rows.map((row) => row.key)).toEqual(['signature:new', 'signature:other', 'signature:same']);
  });
});
