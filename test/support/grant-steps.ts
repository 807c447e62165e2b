import { expect, vi } from 'vitest';
import { ACTIONS } from '../../src/slack/ids.js';
import type { Jitbot } from './jitbot-harness.js';

export interface GrantRow {
  id: string;
  status: string;
  principal: string;
  expires_at: Date;
  pre_existing: boolean;
  backstop_at: Date | null;
}

export interface GrantStepsOptions {
  /** Who approves in this catalog. */
  readonly approver: string;
  /** Targets that approve by themselves (autoApprove): nobody clicks. */
  readonly autoApproved?: ReadonlySet<string>;
  readonly justification?: string;
}

/**
 * The steps of the grant end-to-end tests, as a person and as the clock would take them: ask with
 * the slash command, approve, wait for the access, move its expiry, wait for the end.
 */
export function grantSteps(jitbot: () => Jitbot, options: GrantStepsOptions) {
  const pool = () => jitbot().database.pool;
  const justification = options.justification ?? 'rotating the ops database keys';

  async function grantOf(requestId: string): Promise<GrantRow | undefined> {
    const { rows } = await pool().query<GrantRow>(
      'SELECT g.* FROM grants g JOIN requests r ON r.grant_id = g.id WHERE r.id = $1',
      [requestId],
    );
    return rows[0];
  }

  async function requestStatus(requestId: string): Promise<string | undefined> {
    const { rows } = await pool().query('SELECT status FROM requests WHERE id = $1', [requestId]);
    return rows[0]?.status;
  }

  /** `/request-aws-access <target> <duration> ...`; resolves with the request id. */
  async function ask(target: string, requester: string, duration = '1h'): Promise<string> {
    const { responseUrl } = await jitbot().command(`${target} ${duration} ${justification}`, requester);
    let id = '';
    await vi.waitFor(() => {
      id = /REQ-[0-9A-Z]{8}/.exec(JSON.stringify(jitbot().responses(responseUrl)))?.[0] ?? '';
      expect(id).not.toBe('');
    });
    return id;
  }

  function approvalPostsAbout(requestId: string) {
    return jitbot()
      .slack.callsTo('chat.postMessage')
      .filter(
        (call) => call.args.channel === options.approver && JSON.stringify(call.args).includes(requestId),
      );
  }

  async function untilActive(requestId: string): Promise<GrantRow> {
    let grant: GrantRow | undefined;
    await vi.waitFor(
      async () => {
        grant = await grantOf(requestId);
        expect(grant?.status).toBe('active');
      },
      { timeout: 15_000 },
    );
    return grant as GrantRow;
  }

  /** Asks, approves (unless the target approves by itself), and waits until the grant is active. */
  async function grantFor(target: string, requester: string, duration = '1h'): Promise<GrantRow> {
    const id = await ask(target, requester, duration);
    if (!options.autoApproved?.has(target)) {
      await vi.waitFor(() => expect(approvalPostsAbout(id).length).toBeGreaterThan(0));
      await jitbot().click(ACTIONS.approve, id, options.approver);
    }
    return untilActive(id);
  }

  function dmsTo(userId: string): string[] {
    return jitbot()
      .slack.callsTo('chat.postMessage')
      .filter((call) => call.args.channel === userId)
      .map((call) => JSON.stringify(call.args));
  }

  /** Moves the grant's expiry into the past and wakes the workers, instead of waiting for it. */
  async function expireNow(grantId: string): Promise<void> {
    await pool().query("UPDATE grants SET expires_at = now() - interval '1 second' WHERE id = $1", [grantId]);
    await jitbot().wake();
  }

  async function untilEnded(grantId: string, status = 'revoked'): Promise<void> {
    await vi.waitFor(
      async () => {
        const { rows } = await pool().query('SELECT status FROM grants WHERE id = $1', [grantId]);
        expect(rows[0]?.status).toBe(status);
      },
      { timeout: 15_000 },
    );
  }

  return {
    grantOf,
    requestStatus,
    ask,
    approvalPostsAbout,
    untilActive,
    grantFor,
    dmsTo,
    expireNow,
    untilEnded,
  };
}
