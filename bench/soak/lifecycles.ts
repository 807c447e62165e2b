/**
 * The lifecycles the soak drives, one person each (so every membership in the fakes belongs to one
 * lifecycle): the mix of kinds, their durations and start times, and the steps people take in each.
 * A step is sent again when it shows no effect (as a person clicks again when nothing happens,
 * e.g. because the replica that got the click was killed).
 */
import { ACTIONS } from '../../src/slack/ids.js';
import type { Poller, RequestState, Slack } from './people.js';
import { between, type Random, sleep, weighted } from './random.js';
import { APPROVERS, type SoakWorld, TARGETS, type TargetId } from './world.js';

export const KINDS = [
  'approve',
  'okta',
  'deny',
  'cancel',
  'timeout',
  'two-of-n',
  'overlap',
  'extend',
  'revoke-now',
  'pre-existing',
  'breakglass',
] as const;
export type Kind = (typeof KINDS)[number];

const MIX: readonly (readonly [Kind, number])[] = [
  ['approve', 14],
  ['okta', 9],
  ['deny', 8],
  ['cancel', 8],
  ['timeout', 6],
  ['two-of-n', 10],
  ['overlap', 10],
  ['extend', 10],
  ['revoke-now', 10],
  ['pre-existing', 8],
  ['breakglass', 7],
];

/** The request status each kind must end its requests in. */
export const EXPECTED_STATUS: Record<Kind, string> = {
  approve: 'approved',
  okta: 'approved',
  deny: 'denied',
  cancel: 'cancelled',
  timeout: 'expired',
  'two-of-n': 'approved',
  overlap: 'approved',
  extend: 'approved',
  'revoke-now': 'approved',
  'pre-existing': 'approved',
  breakglass: 'approved',
};

export interface Lifecycle {
  readonly index: number;
  readonly kind: Kind;
  readonly requester: string;
  readonly target: TargetId;
  readonly minutes: number;
  /** Offset from the run's start. */
  readonly startMs: number;
  /** How long the person holds the access before the second step (overlap, extend, Revoke now). */
  readonly pauseMs: number;
}

export interface Outcome {
  /** Every step the person had to take took effect. */
  driven: boolean;
  problem?: string;
}

function targetOf(kind: Kind): TargetId {
  switch (kind) {
    case 'okta':
      return 'soak-okta';
    case 'two-of-n':
      return 'soak-two-person';
    case 'breakglass':
      return 'soak-breakglass';
    default:
      return 'soak-admin';
  }
}

export function planLifecycles(
  random: Random,
  count: number,
  perSecond: number,
  minutes: { readonly min: number; readonly max: number },
): Lifecycle[] {
  return Array.from({ length: count }, (_, index) => {
    const kind = weighted(random, MIX);
    return {
      index,
      kind,
      requester: `USOAK${String(index).padStart(5, '0')}`,
      target: targetOf(kind),
      minutes: Math.round(between(random, minutes.min, minutes.max)),
      startMs: Math.round((index / perSecond) * 1000),
      pauseMs: Math.round(between(random, 5_000, 15_000)),
    };
  });
}

const STEP_WAIT_MS = 8_000;
const STEP_TRIES = 8;
/** A grant waits for a job a killed replica held until its lease runs out (120 s). */
const ACTIVATION_WAIT_MS = 200_000;
/** Approval messages wait for the account check, and Slack's faults slow them (and a lost job's lease). */
const SEEN_WAIT_MS = 200_000;

class StepFailed extends Error {}

export class LifecycleDriver {
  constructor(
    private readonly slack: Slack,
    private readonly poller: Poller,
    private readonly world: SoakWorld,
    /** When the run stops driving (epoch ms): no wait goes past it, so the soak stays bounded. */
    private readonly deadline: number,
  ) {}

  /** `ms`, or less when the run's deadline comes first; StepFailed once it has passed. */
  private bounded(ms: number, what: string): number {
    const left = this.deadline - Date.now();
    if (left <= 0) throw new StepFailed(`the run ended before ${what}`);
    return Math.min(ms, left);
  }

  async run(lifecycle: Lifecycle): Promise<Outcome> {
    try {
      await this.steps(lifecycle);
      return { driven: true };
    } catch (error) {
      return { driven: false, problem: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Sends `act` until `done` holds, waiting STEP_WAIT_MS after each. */
  private async step(
    lifecycle: Lifecycle,
    what: string,
    act: () => Promise<void>,
    done: (requests: readonly RequestState[]) => boolean,
  ): Promise<void> {
    for (let attempt = 0; attempt < STEP_TRIES; attempt += 1) {
      const wait = this.bounded(STEP_WAIT_MS, what);
      await act();
      if (await this.poller.until(lifecycle.requester, done, wait)) return;
    }
    throw new StepFailed(`${what}: no effect after ${STEP_TRIES} tries`);
  }

  private async ask(lifecycle: Lifecycle, target: TargetId, minutes: number, nth = 1): Promise<RequestState> {
    const forTarget = (requests: readonly RequestState[]) => requests.filter((r) => r.targetId === target);
    const text = `${target} ${minutes}m soak lifecycle ${lifecycle.index}: ${lifecycle.kind}`;
    await this.step(
      lifecycle,
      `request ${target}`,
      () => this.slack.command(text, lifecycle.requester),
      (requests) => forTarget(requests).length >= nth,
    );
    return forTarget(this.poller.requestsOf(lifecycle.requester))[nth - 1] as RequestState;
  }

  /** A person acts on a message once it reached them: approvers on the approval message. */
  private async untilSeen(person: string, requestId: string): Promise<void> {
    const what = `${person} got a message about ${requestId}`;
    const deadline = Date.now() + this.bounded(SEEN_WAIT_MS, what);
    while (!this.world.hasSeen(person, requestId)) {
      if (Date.now() > deadline)
        throw new StepFailed(
          `${person} got no message about ${requestId} within ${SEEN_WAIT_MS / 1000} s (or the run ended)`,
        );
      await sleep(250);
    }
  }

  private async approve(
    lifecycle: Lifecycle,
    request: RequestState,
    approver: string,
    approvals = 1,
  ): Promise<void> {
    await this.untilSeen(approver, request.id);
    await this.step(
      lifecycle,
      `approve ${request.id} by ${approver}`,
      () => this.slack.click(ACTIONS.approve, request.id, approver),
      (requests) => {
        const now = requests.find((r) => r.id === request.id);
        return now !== undefined && (now.approvals >= approvals || now.status !== 'pending');
      },
    );
  }

  /** Until the request's grant is (or was) active; its state then. */
  private async untilGranted(lifecycle: Lifecycle, requestId: string): Promise<RequestState> {
    const granted = (requests: readonly RequestState[]) => {
      const request = requests.find((r) => r.id === requestId);
      return (
        request?.grantStatus === 'active' ||
        request?.grantStatus === 'revoking' ||
        request?.grantStatus === 'revoked'
      );
    };
    const done = await this.poller.until(
      lifecycle.requester,
      granted,
      this.bounded(ACTIVATION_WAIT_MS, `${requestId} was granted`),
    );
    const request = this.poller.requestsOf(lifecycle.requester).find((r) => r.id === requestId);
    if (!done)
      throw new StepFailed(
        `${requestId} was not granted within ${ACTIVATION_WAIT_MS / 1000} s or by the end of the run (request ${request?.status}, grant ${request?.grantStatus})`,
      );
    return request as RequestState;
  }

  private async approvedAndGranted(lifecycle: Lifecycle, target: TargetId = lifecycle.target, nth = 1) {
    const request = await this.ask(lifecycle, target, lifecycle.minutes, nth);
    await this.approve(lifecycle, request, APPROVERS[0]);
    return this.untilGranted(lifecycle, request.id);
  }

  private async steps(lifecycle: Lifecycle): Promise<void> {
    const { requester } = lifecycle;
    switch (lifecycle.kind) {
      case 'approve':
      case 'okta':
        await this.approvedAndGranted(lifecycle);
        return;
      case 'pre-existing': {
        const group = TARGETS[lifecycle.target];
        if ('group' in group) this.world.makeMemberBeforehand(requester, group.group);
        await this.approvedAndGranted(lifecycle);
        return;
      }
      case 'breakglass': {
        const request = await this.ask(lifecycle, lifecycle.target, lifecycle.minutes);
        await this.untilGranted(lifecycle, request.id);
        return;
      }
      case 'two-of-n': {
        const request = await this.ask(lifecycle, lifecycle.target, lifecycle.minutes);
        await this.approve(lifecycle, request, APPROVERS[1], 1);
        await this.approve(lifecycle, request, APPROVERS[2], 2);
        await this.untilGranted(lifecycle, request.id);
        return;
      }
      case 'deny': {
        const request = await this.ask(lifecycle, lifecycle.target, lifecycle.minutes);
        await this.untilSeen(APPROVERS[0], request.id);
        await this.slack.click(ACTIONS.deny, request.id, APPROVERS[0]);
        await this.step(
          lifecycle,
          `deny ${request.id}`,
          () => this.slack.denyWithReason(request.id, APPROVERS[0]),
          (requests) => requests.find((r) => r.id === request.id)?.status !== 'pending',
        );
        return;
      }
      case 'cancel': {
        const request = await this.ask(lifecycle, lifecycle.target, lifecycle.minutes);
        // Cancel is a button on the requester's own message about the request.
        await this.untilSeen(requester, request.id);
        await sleep(lifecycle.pauseMs / 5);
        await this.step(
          lifecycle,
          `cancel ${request.id}`,
          () => this.slack.click(ACTIONS.cancel, request.id, requester),
          (requests) => requests.find((r) => r.id === request.id)?.status !== 'pending',
        );
        return;
      }
      case 'timeout': {
        const request = await this.ask(lifecycle, lifecycle.target, lifecycle.minutes);
        const decided = (requests: readonly RequestState[]) =>
          requests.find((r) => r.id === request.id)?.status !== 'pending';
        if (!(await this.poller.until(requester, decided, this.bounded(150_000, `${request.id} timed out`))))
          throw new StepFailed(
            `${request.id} was still pending 150 s after it was made (approval timeout 1m)`,
          );
        return;
      }
      case 'overlap': {
        await this.approvedAndGranted(lifecycle);
        await sleep(lifecycle.pauseMs);
        // The same IAM group under another target: one membership, the later expiry.
        const second = await this.ask(lifecycle, 'soak-admin-alias', lifecycle.minutes);
        await this.approve(lifecycle, second, APPROVERS[1]);
        await this.untilGranted(lifecycle, second.id);
        return;
      }
      case 'extend': {
        const first = await this.approvedAndGranted(lifecycle);
        await sleep(lifecycle.pauseMs);
        await this.slack.click(ACTIONS.extend, first.targetId, requester);
        const forTarget = (requests: readonly RequestState[]) =>
          requests.filter((r) => r.targetId === first.targetId);
        await this.step(
          lifecycle,
          'submit the extension form',
          () => this.slack.submitExtension(first.targetId, lifecycle.minutes * 60, requester),
          (requests) => forTarget(requests).length >= 2,
        );
        const extension = forTarget(this.poller.requestsOf(requester))[1] as RequestState;
        await this.approve(lifecycle, extension, APPROVERS[0]);
        await this.untilGranted(lifecycle, extension.id);
        return;
      }
      case 'revoke-now': {
        const granted = await this.approvedAndGranted(lifecycle);
        await sleep(lifecycle.pauseMs);
        const grantId = granted.grantId ?? '';
        await this.step(
          lifecycle,
          `Revoke now ${grantId}`,
          () => this.slack.click(ACTIONS.revokeNow, grantId, requester),
          (requests) => {
            const status = requests.find((r) => r.grantId === grantId)?.grantStatus;
            return status === 'revoking' || status === 'revoked';
          },
        );
        return;
      }
    }
  }
}
