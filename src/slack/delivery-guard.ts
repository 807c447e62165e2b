import type { AllMiddlewareArgs, AnyMiddlewareArgs, App, RespondFn } from '@slack/bolt';
import type { Logger } from '../log/logger.js';
import { withRequestContext } from '../log/request-context.js';
import type { FirstDelivery } from './http-receiver.js';

export const STARTING_UP = 'jitbot is starting up and cannot check who you are yet. Try again in a moment.';
export const OTHER_WORKSPACE =
  'jitbot serves only the Slack workspace it was installed in, so it cannot help you here.';

export interface DeliveryGuardOptions {
  /** The workspace `auth.test` named at start-up; undefined until it has answered. */
  readonly teamId: () => string | undefined;
  readonly firstDelivery: FirstDelivery;
  readonly logger: Logger;
}

type Body = Record<string, unknown>;

function objectField(body: Body, key: string): Body | undefined {
  const value = body[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : undefined;
}

function stringField(body: Body | undefined, key: string): string | undefined {
  const value = body?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** The workspace a payload comes from: `team_id` (commands, events) or `team.id` (interactions). */
function teamOf(body: Body): string | undefined {
  return stringField(body, 'team_id') ?? stringField(objectField(body, 'team'), 'id');
}

/** Which Slack payload a request carries, for the log; never its text. */
function slackContextOf(body: Body) {
  return {
    slackType: stringField(body, 'type') ?? (stringField(body, 'command') ? 'command' : undefined),
    slackUser: stringField(body, 'user_id') ?? stringField(objectField(body, 'user'), 'id'),
  };
}

/** The parts of Bolt's middleware arguments the guard uses; `ack` is absent for events. */
interface GuardArgs {
  readonly body: Body;
  readonly ack?: (response?: unknown) => Promise<void>;
  readonly respond?: RespondFn;
  readonly next: () => Promise<void>;
}

/** A modal pushed over the submitted one, which stays open with its values for a second try. */
function pushedNotice(text: string) {
  return {
    response_action: 'push',
    view: {
      type: 'modal',
      title: { type: 'plain_text', text: 'jitbot' },
      close: { type: 'plain_text', text: 'Back' },
      blocks: [{ type: 'section', text: { type: 'plain_text', text } }],
    },
  };
}

/** Answers a payload jitbot will not act on, in words where Slack lets it show some. */
async function refuse(args: GuardArgs, text: string): Promise<void> {
  const { body, ack, respond } = args;
  if (!ack) return; // an event: Bolt acked it already, and there is no one to tell
  if (body.command !== undefined) return ack({ response_type: 'ephemeral', text });
  if (body.type === 'view_submission') return ack(pushedNotice(text));
  await ack();
  if (body.type === 'block_actions' && respond) {
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  }
}

/**
 * The first middleware of every request, over HTTP and Socket Mode alike: nothing is acted on
 * before jitbot knows its own workspace, a payload from another workspace is refused, and an
 * Events API event Slack retries (a new delivery, re-signed, of the same `event_id`) runs once.
 */
export function registerDeliveryGuard(app: App, options: DeliveryGuardOptions): void {
  const { logger } = options;
  app.use(async (middlewareArgs: AnyMiddlewareArgs & AllMiddlewareArgs) => {
    // Bolt's union of every payload type says less than this: these are the fields read.
    const args = middlewareArgs as unknown as GuardArgs;
    const ours = options.teamId();
    if (ours === undefined) {
      logger.warn(
        { type: args.body.type },
        'a Slack request arrived before auth.test answered; told to retry',
      );
      return refuse(args, STARTING_UP);
    }
    const theirs = teamOf(args.body);
    if (theirs !== ours) {
      logger.warn(
        { team: theirs ?? null, type: args.body.type },
        'a Slack request from another workspace; refused',
      );
      return refuse(args, OTHER_WORKSPACE);
    }
    const eventId = stringField(args.body, 'event_id');
    if (
      args.body.type === 'event_callback' &&
      eventId &&
      !(await options.firstDelivery(`event:${eventId}`))
    ) {
      logger.info({ eventId }, 'Slack delivered an event again (a retry); it was handled the first time');
      return;
    }
    // Whatever fails later in this request's listeners is logged with what it was.
    await withRequestContext(slackContextOf(args.body), () => args.next());
  });
}
