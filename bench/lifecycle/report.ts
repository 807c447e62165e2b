/** The figures of a lifecycle run, and the checks that every lifecycle ended as it should. */
import { existsSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import type { TimedFakeAws } from '../support/timed-fake-aws.js';
import type { Lifecycle } from './steps.js';
import { TARGET_ID } from './world.js';

export const ms = (value: number): string => `${value.toFixed(1)} ms`;

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export function spread(name: string, values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => ms(percentile(sorted, p)).padStart(10);
  return `  ${name.padEnd(46)} p50 ${at(50)}   p99 ${at(99)}   max ${ms(sorted.at(-1) ?? Number.NaN).padStart(10)}`;
}

/** Each step of the lifecycles, from the driver's and the fakes' timestamps (one clock). */
export function stepLines(lifecycles: readonly Lifecycle[]): string[] {
  const of = (pick: (one: Lifecycle) => number) => lifecycles.map(pick);
  return [
    spread(
      'command -> approval DM posted',
      of((one) => one.approvalAt - one.sentAt),
    ),
    spread(
      'approve click -> AddUserToGroup',
      of((one) => one.addedAt - one.clickedAt),
    ),
    spread(
      'AddUserToGroup -> approval messages all out',
      of((one) => one.settledAt - one.addedAt),
    ),
    spread(
      'expiry -> RemoveUserFromGroup',
      of((one) => one.removedAt - one.expiredAt),
    ),
    spread(
      'RemoveUserFromGroup -> revoked DM, all updated',
      of((one) => one.doneAt - one.removedAt),
    ),
    spread(
      'whole lifecycle (command -> done)',
      of((one) => one.doneAt - one.sentAt),
    ),
  ];
}

/** Peak resident memory (VmHWM) of a process in MB, or undefined where there is no /proc. */
export function peakRssMegabytes(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return undefined;
  const kilobytes = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kilobytes === undefined ? undefined : Number(kilobytes) / 1024;
}

export interface SlackTotals {
  readonly posts: number;
  readonly updates: number;
  readonly unfiled: number;
  readonly requests: number;
  readonly byKind: Record<string, { posted: number; updated: number }>;
}

export interface Checks {
  readonly ok: boolean;
  readonly lines: string[];
}

/** What the run left in the database and the fake AWS: every grant revoked once, nothing failed. */
export async function checkOutcome(
  pool: pg.Pool,
  fake: TimedFakeAws,
  expected: number,
  slackTotals: SlackTotals,
): Promise<Checks> {
  const { rows: grants } = await pool.query<{ status: string; count: number }>(
    `SELECT status::text, count(*)::int AS count FROM grants WHERE target_id = $1 GROUP BY status ORDER BY status`,
    [TARGET_ID],
  );
  const { rows: requests } = await pool.query<{ status: string; count: number }>(
    `SELECT status::text, count(*)::int AS count FROM requests WHERE target_id = $1 GROUP BY status ORDER BY status`,
    [TARGET_ID],
  );
  const calls = new Map<string, number>();
  let failed = 0;
  const sessions = new Set<string>();
  for (const { call } of fake.timed) {
    calls.set(call.action, (calls.get(call.action) ?? 0) + 1);
    if (call.status !== 200) failed += 1;
    if (call.action === 'AssumeRole') sessions.add(String(call.params.RoleSessionName));
  }
  const revoked = grants.find((row) => row.status === 'revoked')?.count ?? 0;
  const adds = calls.get('AddUserToGroup') ?? 0;
  const removes = calls.get('RemoveUserFromGroup') ?? 0;
  const listed = (rows: { status: string; count: number }[]) =>
    rows.map((row) => `${row.status} ${row.count}`).join(', ') || 'none';
  const perRequest = (value: number) => (slackTotals.requests ? value / slackTotals.requests : 0).toFixed(2);
  return {
    ok:
      revoked === expected &&
      grants.length === 1 &&
      adds === expected &&
      removes === expected &&
      failed === 0,
    lines: [
      `grants: ${listed(grants)}; requests: ${listed(requests)} (of ${expected})`,
      `AWS calls: ${[...calls].map(([action, count]) => `${action} ${count}`).join(', ')}; failed ${failed}; ` +
        `${sessions.size} distinct AssumeRole session names`,
      `Slack: ${slackTotals.posts} messages posted and ${slackTotals.updates} updated for ${slackTotals.requests} requests ` +
        `(${perRequest(slackTotals.posts)} posted, ${perRequest(slackTotals.updates)} updated per request); ` +
        `${slackTotals.unfiled} about no request`,
      `  per request, posted/updated: ${Object.entries(slackTotals.byKind)
        .map(([kind, { posted, updated }]) => `${kind} ${perRequest(posted)}/${perRequest(updated)}`)
        .join(', ')}`,
    ],
  };
}
