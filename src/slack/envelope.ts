import { z } from 'zod';

/**
 * The fields Bolt reads from every payload before any listener runs (to find its type, team,
 * user and channel), with the types Slack sends. Bolt trusts them: `user: null` or `event: "x"`
 * made it throw inside its dispatch. Everything else is left to the listeners' own schemas.
 */
const id = z.looseObject({ id: z.string() });
const maybeText = z.string().optional();
const nullableObject = z.looseObject({}).nullable().optional();

const envelope = z.looseObject({
  type: maybeText,
  command: maybeText,
  text: maybeText,
  user_id: maybeText,
  team_id: maybeText,
  channel_id: maybeText,
  enterprise_id: z.string().nullable().optional(),
  response_url: maybeText,
  trigger_id: maybeText,
  api_app_id: maybeText,
  team: z
    .looseObject({ id: z.string(), enterprise_id: z.string().nullable().optional() })
    .nullable()
    .optional(),
  user: z.looseObject({ id: z.string(), team_id: maybeText }).optional(),
  enterprise: z.looseObject({ id: z.string() }).nullable().optional(),
  // Bolt reads `channel.id` whenever `channel` is there: null is not a channel.
  channel: id.optional(),
  container: nullableObject,
  message: nullableObject,
  view: z
    .looseObject({
      id: maybeText,
      callback_id: maybeText,
      app_installed_team_id: z.string().nullable().optional(),
    })
    .optional(),
  actions: z.array(z.looseObject({ action_id: maybeText, block_id: maybeText, type: maybeText })).optional(),
  authorizations: z.array(z.looseObject({ enterprise_id: z.string().nullable().optional() })).optional(),
  // Slack's event ids are short and alphanumeric; the id is stored to run a retried event once.
  event_id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  event: z
    .looseObject({
      type: z.string(),
      user: z.union([z.string(), id]).optional(),
      channel: z.union([z.string(), z.looseObject({ creator: maybeText })]).optional(),
      subteam: z.looseObject({ created_by: maybeText }).optional(),
      item: z.looseObject({ channel: maybeText }).optional(),
    })
    .optional(),
});

/** Undefined when Bolt may be handed `body`; else the first field that is not what Slack sends. */
export function envelopeProblem(body: Record<string, unknown>): string | undefined {
  const result = envelope.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    return `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'unreadable'}`;
  }
  // Every payload but a command and an event is an interaction, and Bolt reads its user (and a
  // view submission's view) without looking first.
  if (body.command === undefined && body.event === undefined && body.user === undefined) {
    return 'user: required in an interaction payload';
  }
  if ((body.type === 'view_submission' || body.type === 'view_closed') && body.view === undefined) {
    return 'view: required in a view payload';
  }
  return undefined;
}
