/**
 * What people do in Slack, as Slack delivers it: signed slash commands, button clicks and modal
 * submissions, sent to one of the live replicas as a load balancer would (another one when the
 * first is gone). Whether a step took effect is read from jitbot's tables by one poller for all
 * lifecycles (a person sees the result in Slack; the soak reads it where it is written).
 */
import type pg from 'pg';
import { ACTIONS, BLOCKS, VIEWS } from '../../src/slack/ids.js';
import { SIGNING_SECRET } from '../../test/support/service-process.js';
import { signedHeaders } from '../../test/support/slack-requests.js';
import { type Random, sleep } from './random.js';
import type { ReplicaSet } from './replicas.js';

let sequence = 0;
function nextId(prefix: string): string {
  sequence += 1;
  return `${prefix}${Date.now().toString(36)}${sequence}`;
}

export class Slack {
  /** Requests that no replica answered after every try (all down, or each died mid-request). */
  unanswered = 0;

  constructor(
    private readonly replicas: ReplicaSet,
    private readonly random: Random,
    /** Where response_url points: the fake Slack itself. */
    private readonly slackUrl: string,
  ) {}

  private async send(body: string, contentType: string): Promise<void> {
    for (let attempt = 0; attempt < 30; attempt += 1) {
      const urls = this.replicas.liveUrls();
      const url = urls[Math.floor(this.random() * urls.length)];
      if (url !== undefined) {
        try {
          // Signed now: a resend is a new delivery, not a replay jitbot would drop.
          const response = await fetch(`${url}/slack/events`, {
            method: 'POST',
            headers: signedHeaders(body, contentType, { secret: SIGNING_SECRET }),
            body,
            signal: AbortSignal.timeout(10_000),
          });
          await response.text();
          if (response.status < 500) return;
        } catch {
          // the replica died or was cut off mid-request: the balancer tries another
        }
      }
      await sleep(500);
    }
    this.unanswered += 1;
  }

  command(text: string, userId: string): Promise<void> {
    const fields = {
      command: '/request-aws-access',
      text,
      user_id: userId,
      user_name: userId.toLowerCase(),
      team_id: 'TFAKE',
      channel_id: 'CGENERAL',
      trigger_id: nextId('trigger.'),
      response_url: `${this.slackUrl}response/${nextId('cmd')}`,
      api_app_id: 'AJITBOT',
    };
    return this.send(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');
  }

  private payload(payload: unknown): Promise<void> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.send(body, 'application/x-www-form-urlencoded');
  }

  click(actionId: string, value: string, userId: string): Promise<void> {
    return this.payload({
      type: 'block_actions',
      user: { id: userId },
      team: { id: 'TFAKE' },
      api_app_id: 'AJITBOT',
      trigger_id: nextId('trigger.'),
      response_url: `${this.slackUrl}response/${nextId('act')}`,
      container: { type: 'message', channel_id: `D${userId}`, message_ts: '1700000000.000001' },
      channel: { id: `D${userId}` },
      actions: [
        { type: 'button', action_id: actionId, block_id: 'actions', value, action_ts: '1700000000.1' },
      ],
    });
  }

  submitView(callbackId: string, values: unknown, userId: string, privateMetadata: string): Promise<void> {
    return this.payload({
      type: 'view_submission',
      user: { id: userId },
      team: { id: 'TFAKE' },
      api_app_id: 'AJITBOT',
      trigger_id: nextId('trigger.'),
      view: {
        id: nextId('V'),
        callback_id: callbackId,
        hash: 'h1',
        private_metadata: privateMetadata,
        state: { values },
      },
    });
  }

  /** The deny form, filled in and submitted. */
  denyWithReason(requestId: string, approver: string): Promise<void> {
    const values = { [BLOCKS.denyReason]: { [ACTIONS.denyReason]: { value: 'not needed for this change' } } };
    return this.submitView(VIEWS.denyReason, values, approver, requestId);
  }

  /** The request form opened by Extend, submitted with `seconds`. */
  submitExtension(targetId: string, seconds: number, userId: string): Promise<void> {
    const values = {
      [BLOCKS.target]: { [ACTIONS.pickTarget]: { selected_option: { value: targetId } } },
      [BLOCKS.duration]: { [ACTIONS.pickDuration]: { selected_option: { value: String(seconds) } } },
      [BLOCKS.justification]: { [ACTIONS.justification]: { value: 'the soak needs a little longer' } },
      [BLOCKS.ticket]: { [ACTIONS.ticket]: { value: '' } },
    };
    return this.submitView(VIEWS.request, values, userId, 'extend');
  }
}

/** A request as jitbot's tables have it, with its grant. */
export interface RequestState {
  readonly id: string;
  readonly requesterId: string;
  readonly targetId: string;
  readonly status: string;
  readonly grantId: string | null;
  readonly grantStatus: string | null;
  readonly approvals: number;
}

interface Waiter {
  readonly requester: string;
  readonly ready: (requests: readonly RequestState[]) => boolean;
  readonly resolve: (ok: boolean) => void;
  readonly deadline: number;
}

/** One query every half second for every person with a lifecycle in progress. */
export class Poller {
  private readonly waiters = new Set<Waiter>();
  private readonly latest = new Map<string, RequestState[]>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly pool: pg.Pool) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), 500);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters.clear();
  }

  requestsOf(requester: string): readonly RequestState[] {
    return this.latest.get(requester) ?? [];
  }

  /** Resolves true once `ready` holds for the person's requests, false after `timeoutMs`. */
  until(
    requester: string,
    ready: (requests: readonly RequestState[]) => boolean,
    timeoutMs: number,
  ): Promise<boolean> {
    if (ready(this.requestsOf(requester))) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.waiters.add({ requester, ready, resolve, deadline: Date.now() + timeoutMs });
    });
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const people = [...new Set([...this.waiters].map((waiter) => waiter.requester))];
      if (people.length > 0) {
        const { rows } = await this.pool.query<RequestState>(
          `SELECT r.id, r.requester_id AS "requesterId", r.target_id AS "targetId", r.status::text AS status,
                  r.grant_id AS "grantId", g.status::text AS "grantStatus",
                  (SELECT count(*)::int FROM approvals a WHERE a.request_id = r.id AND a.decision = 'approve') AS approvals
             FROM requests r LEFT JOIN grants g ON g.id = r.grant_id
            WHERE r.requester_id = ANY($1::text[]) ORDER BY r.created_at`,
          [people],
        );
        for (const person of people) this.latest.set(person, []);
        for (const row of rows) this.latest.get(row.requesterId)?.push(row);
      }
      const now = Date.now();
      for (const waiter of this.waiters) {
        if (waiter.ready(this.requestsOf(waiter.requester))) {
          this.waiters.delete(waiter);
          waiter.resolve(true);
        } else if (now > waiter.deadline) {
          this.waiters.delete(waiter);
          waiter.resolve(false);
        }
      }
    } catch {
      // a failed poll is retried on the next tick
    } finally {
      this.polling = false;
    }
  }
}
