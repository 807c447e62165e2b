/**
 * One full lifecycle as people, Slack and the clock take it: the requester's signed slash command,
 * the approval DM, the approver's signed Approve click, AddUserToGroup, every message of the
 * approval in Slack, the expiry (moved into the past in the database and the workers woken, as
 * test/support/grant-steps.ts `expireNow` does), RemoveUserFromGroup, and the DM that the access
 * ended with every other message brought up to date.
 */
import type pg from 'pg';
import { DUE_CHANNEL } from '../../src/db/jobs-repository.js';
import { SIGNING_SECRET } from '../../test/support/service-process.js';
import type { createSignedPoster } from './signed-poster.js';
import { APPROVER_ID, iamUserOf, type MembershipWatch, requesterOf, TARGET_ID } from './world.js';

export const epochNow = (): number => performance.timeOrigin + performance.now();

/** Wall-clock ms of each step of one lifecycle. */
export interface Lifecycle {
  readonly index: number;
  readonly requester: string;
  readonly requestId: string;
  readonly sentAt: number;
  readonly approvalAt: number;
  readonly clickedAt: number;
  readonly addedAt: number;
  readonly settledAt: number;
  readonly expiredAt: number;
  readonly removedAt: number;
  readonly doneAt: number;
}

export interface StepDeps {
  readonly jitbotUrl: string;
  readonly slackUrl: string;
  readonly poster: ReturnType<typeof createSignedPoster>;
  readonly pool: pg.Pool;
  readonly aws: MembershipWatch;
  /** How long any one step may take before the lifecycle counts as stuck. */
  readonly stepTimeoutMs: number;
}

/** A lifecycle that did not finish: a step that never came, or a request that failed on the way. */
export class StuckLifecycle extends Error {
  constructor(
    readonly index: number,
    readonly step: string,
    readonly requestId: string | undefined,
  ) {
    super(`lifecycle ${index} (${requestId ?? 'no request yet'}) was stuck at: ${step}`);
  }
}

async function signedPost(deps: StepDeps, fields: Record<string, string>, what: string): Promise<void> {
  const answer = await deps.poster.post(deps.jitbotUrl, fields, SIGNING_SECRET);
  if (answer.status !== 200)
    throw new Error(`jitbot answered ${answer.status} to the ${what}: ${answer.body}`);
}

/** A bench.* long poll of the fake Slack; undefined when it timed out. */
async function slackWait(deps: StepDeps, method: string, args: Record<string, unknown>) {
  const response = await fetch(`${deps.slackUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...args, timeoutMs: deps.stepTimeoutMs }),
  });
  const answer = (await response.json()) as { timedOut?: boolean; at?: number; requestId?: string };
  return answer.timedOut ? undefined : answer;
}

function within<T>(deps: StepDeps, promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), deps.stepTimeoutMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function command(deps: StepDeps, index: number, requester: string): Promise<void> {
  return signedPost(
    deps,
    {
      command: '/request-aws-access',
      text: `${TARGET_ID} 1h lifecycle benchmark run ${index}`,
      user_id: requester,
      user_name: requester.toLowerCase(),
      team_id: 'TFAKE',
      channel_id: 'CBENCH',
      trigger_id: `trigger.command.${index}`,
      response_url: `${deps.slackUrl}response/command-${index}`,
      api_app_id: 'AJITBOT',
    },
    'slash command',
  );
}

function approveClick(deps: StepDeps, index: number, requestId: string): Promise<void> {
  const payload = {
    type: 'block_actions',
    user: { id: APPROVER_ID },
    team: { id: 'TFAKE' },
    api_app_id: 'AJITBOT',
    trigger_id: `trigger.approve.${index}`,
    response_url: `${deps.slackUrl}response/approve-${index}`,
    container: { type: 'message', channel_id: APPROVER_ID, message_ts: '1700000000.000001' },
    channel: { id: APPROVER_ID },
    actions: [
      { type: 'button', action_id: 'jitbot.approve', block_id: 'actions', value: requestId, action_ts: '1' },
    ],
  };
  return signedPost(deps, { payload: JSON.stringify(payload) }, 'Approve click');
}

/**
 * Makes the request's active grant due now and wakes the workers, in one statement (what
 * `expireNow` does in two); true when there was an active grant to move.
 */
async function expireNow(pool: pg.Pool, requestId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `WITH moved AS (
       UPDATE grants SET expires_at = now() - interval '1 second'
        WHERE request_id = $1 AND status = 'active' RETURNING id)
     SELECT pg_notify($2, 'bench') FROM moved`,
    [requestId, DUE_CHANNEL],
  );
  return rowCount === 1;
}

export async function runLifecycle(deps: StepDeps, index: number): Promise<Lifecycle> {
  const requester = requesterOf(index);
  const user = iamUserOf(requester);
  const stuck = (step: string, requestId?: string) => new StuckLifecycle(index, step, requestId);

  const sentAt = epochNow();
  await command(deps, index, requester);
  const approval = await slackWait(deps, 'bench.approval', { requester });
  if (approval?.requestId === undefined || approval.at === undefined) throw stuck('the approval DM');
  const { requestId } = approval;

  const added = deps.aws.when('AddUserToGroup', user);
  const clickedAt = epochNow();
  await approveClick(deps, index, requestId);
  const addedAt = await within(deps, added);
  if (addedAt === undefined) throw stuck('AddUserToGroup after the click', requestId);
  const settled = await slackWait(deps, 'bench.settled', { requestId });
  if (settled?.at === undefined) throw stuck('the messages of the approval', requestId);

  const removed = deps.aws.when('RemoveUserFromGroup', user);
  const expiredAt = epochNow();
  if (!(await expireNow(deps.pool, requestId))) throw stuck('an active grant to expire', requestId);
  const removedAt = await within(deps, removed);
  if (removedAt === undefined) throw stuck('RemoveUserFromGroup after the expiry', requestId);
  const done = await slackWait(deps, 'bench.done', { requestId, after: expiredAt });
  if (done?.at === undefined) throw stuck('the revoked DM and the updated messages', requestId);

  return {
    index,
    requester,
    requestId,
    sentAt,
    approvalAt: approval.at,
    clickedAt,
    addedAt,
    settledAt: settled.at,
    expiredAt,
    removedAt,
    doneAt: done.at,
  };
}
