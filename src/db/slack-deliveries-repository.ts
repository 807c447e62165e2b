import type { Queryable } from './pool.js';

/**
 * Records delivery keys (a request's signature, an event's id) and says which were new: true the
 * first time; false when any replica recorded the key before, which makes a second delivery a
 * no-op. One statement for many keys, so a burst of requests costs one round trip.
 */
export async function recordFirstDeliveries(db: Queryable, keys: readonly string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ key: string }>(
    `INSERT INTO slack_deliveries (key) SELECT unnest($1::text[])
       ON CONFLICT (key) DO NOTHING RETURNING key`,
    [keys],
  );
  return new Set(rows.map((row) => row.key));
}

export async function recordFirstDelivery(db: Queryable, key: string): Promise<boolean> {
  return (await recordFirstDeliveries(db, [key])).has(key);
}

/** Deletes keys older than `seconds`: past the signature window no replay can be accepted anyway. */
export async function pruneDeliveries(db: Queryable, seconds: number, batch: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM slack_deliveries WHERE key IN (
       SELECT key FROM slack_deliveries WHERE seen_at < now() - make_interval(secs => $1)
        ORDER BY seen_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [seconds, batch],
  );
  return rowCount ?? 0;
}
