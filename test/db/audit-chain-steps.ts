/** Steps shared by the audit chain tests: write events, run the chainer until nothing waits, verify. */
import type pg from 'pg';
import { expect, vi } from 'vitest';
import { runAuditVerifyCommand } from '../../src/audit-verify-command.js';
import { nextChainRunDue } from '../../src/db/audit-chain-repository.js';
import type { Queryable } from '../../src/db/pool.js';
import { chainAuditEvents } from '../../src/workflow/audit-chain.js';

/** Writes one audit event the way jitbot does (the id from the column default); its id. */
export async function recordEvent(
  db: Queryable,
  overrides: { actor?: string; action?: string; details?: Record<string, unknown> } = {},
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO audit_events (actor, action, outcome, request_id, target_id, details)
     VALUES ($1, $2, 'ok', 'REQ-1', 'prod-admin', $3) RETURNING id::int`,
    [overrides.actor ?? 'U1', overrides.action ?? 'request.approved', overrides.details ?? { note: 'ok' }],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('no event written');
  return id;
}

/**
 * Runs the chainer until no id waits. Other test files share the server, and the chainer waits
 * for every transaction in flight on it when it opens a window: that may take a few runs.
 */
export async function chainAll(pool: pg.Pool): Promise<void> {
  await vi.waitFor(
    async () => {
      const outcome = await chainAuditEvents({ pool }, { intervalSeconds: 0 });
      expect(outcome.more).toBe(false);
      expect(await nextChainRunDue(pool)).toBeUndefined();
    },
    { timeout: 15_000, interval: 20 },
  );
}

export async function chainedEventIds(db: Queryable): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>('SELECT event_id::int AS id FROM audit_chain ORDER BY seq');
  return rows.map((row) => row.id);
}

/** `jitbot audit verify` in this process: its exit code and every line it wrote. */
export async function verifyCommand(
  pool: pg.Pool,
  ...args: string[]
): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await runAuditVerifyCommand(args, pool, (line) => lines.push(line));
  return { code, output: lines.join('\n') };
}
