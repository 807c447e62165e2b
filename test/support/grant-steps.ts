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

  /** `/request-aws-access <text>`; resolves with what jitbot answered on the response_url. */
  async function command(text: string, userId: string): Promise<string> {
    const { responseUrl } = await jitbot().command(text, userId);
    let answer = '';
    // Within Slack's 3 s for an answer, with room for a loaded machine: commands from one person
    // queue on one lock, so the last of a burst of 20 answers well after the first.
    await vi.waitFor(
      () => {
        answer = JSON.stringify(jitbot().responses(responseUrl));
        expect(answer).not.toBe('[]');
      },
      { timeout: 5_000 },
    );
    return answer;
  }

  async function requestCount(userId: string): Promise<number> {
    const { rows } = await pool().query('SELECT count(*)::int AS n FROM requests WHERE requester_id = $1', [
      userId,
    ]);
    return rows[0]?.n;
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

  /** Messages posted to `channel` (a person's DM or a channel) that mention `requestId`. */
  function postsTo(channel: string, requestId: string) {
    return jitbot()
      .slack.callsTo('chat.postMessage')
      .filter((call) => call.args.channel === channel && JSON.stringify(call.args).includes(requestId));
  }

  function approvalPostsAbout(requestId: string) {
    return postsTo(options.approver, requestId);
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

  /** Once the approver has been asked about the request, they click Approve. */
  async function approve(requestId: string): Promise<void> {
    await vi.waitFor(() => expect(approvalPostsAbout(requestId).length).toBeGreaterThan(0));
    await jitbot().click(ACTIONS.approve, requestId, options.approver);
  }

  /** Waits until the request joined the live grant `grantId` (overlap, extension); that grant as it is then. */
  async function untilJoined(requestId: string, grantId: string): Promise<GrantRow> {
    await vi.waitFor(async () => expect((await grantOf(requestId))?.id).toBe(grantId));
    return (await grantOf(requestId)) as GrantRow;
  }

  /** Asks, approves (unless the target approves by itself), and waits until the grant is active. */
  async function grantFor(target: string, requester: string, duration = '1h'): Promise<GrantRow> {
    const id = await ask(target, requester, duration);
    if (!options.autoApproved?.has(target)) await approve(id);
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

  /**
   * Stops the service, does `work` as if while jitbot was down (a backstop firing, an expiry
   * passing), and starts it again whatever happened.
   */
  async function whileStopped(work: () => unknown): Promise<void> {
    await jitbot().stopService();
    try {
      await work();
    } finally {
      await jitbot().startService();
    }
  }

  /** Moves the grant's expiry ten minutes into the past, waking nobody (the service may be down). */
  async function expiredTenMinutesAgo(grantId: string): Promise<void> {
    await pool().query("UPDATE grants SET expires_at = now() - interval '10 minutes' WHERE id = $1", [
      grantId,
    ]);
  }

  /** Fires every backstop schedule due within a day, as EventBridge would; the names of those fired. */
  function fireBackstops(): string[] {
    return jitbot().aws.fireSchedulesDueBy(new Date(Date.now() + 24 * 3600_000));
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

  const asking = { command, ask, requestCount, requestStatus, postsTo, approvalPostsAbout, dmsTo };
  const granting = { approve, grantFor, grantOf, untilActive, untilJoined, untilEnded };
  const moving = { expireNow, whileStopped, expiredTenMinutesAgo, fireBackstops };
  return { ...asking, ...granting, ...moving };
}
