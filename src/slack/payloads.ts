import { z } from 'zod';
import { REQUEST_ID_PATTERN } from '../domain/request-id.js';
import { ACTIONS, BLOCKS } from './ids.js';

/** Values from Slack are checked like any other input: a malformed one is answered, not trusted. */
const requestId = z.string().regex(REQUEST_ID_PATTERN);
const userId = z.string().regex(/^[UW][A-Z0-9]+$/);

export const buttonClick = z.object({
  user: z.object({ id: userId }),
  trigger_id: z.string().min(1),
  actions: z.array(z.object({ value: requestId })).min(1),
});

/** A click on a button whose value is some id other than a request id (a grant, a target). */
const idButtonClick = (id: z.ZodType<string>) =>
  z.object({
    user: z.object({ id: userId }),
    trigger_id: z.string().min(1),
    actions: z.array(z.object({ value: id })).min(1),
  });

export const grantButtonClick = idButtonClick(z.string().regex(/^GNT-[0-9A-HJKMNP-TV-Z]{8}$/));
export const targetButtonClick = idButtonClick(z.string().regex(/^[a-z0-9-]{1,40}$/));

export const targetPicked = z.object({
  view: z.object({ id: z.string(), hash: z.string(), private_metadata: z.string().optional() }),
  actions: z.array(z.object({ selected_option: z.object({ value: z.string() }) })).min(1),
});

const selected = z.object({ selected_option: z.object({ value: z.string() }).nullish() });
const typed = z.object({ value: z.string().nullish() });

const requestFormValues = z.object({
  [BLOCKS.target]: z.object({ [ACTIONS.pickTarget]: selected }).optional(),
  [BLOCKS.duration]: z.object({ [ACTIONS.pickDuration]: selected }).optional(),
  [BLOCKS.justification]: z.object({ [ACTIONS.justification]: typed }),
  [BLOCKS.ticket]: z.object({ [ACTIONS.ticket]: typed }).optional(),
  [BLOCKS.permissions]: z.object({ [ACTIONS.permissions]: typed }).optional(),
});

const denyFormValues = z.object({
  [BLOCKS.denyReason]: z.object({ [ACTIONS.denyReason]: typed }),
});

export const viewSubmission = z.object({
  user: z.object({ id: userId }),
  view: z.object({
    private_metadata: z.string().optional(),
    state: z.object({ values: z.record(z.string(), z.unknown()) }),
  }),
});

export interface RequestForm {
  readonly targetId: string | undefined;
  readonly durationSeconds: string | undefined;
  readonly justification: string;
  readonly ticket: string | undefined;
  /** Only on a generated policy's form. */
  readonly permissions: string | undefined;
}

export function readRequestForm(values: unknown): RequestForm | undefined {
  const parsed = requestFormValues.safeParse(values);
  if (!parsed.success) return undefined;
  const form = parsed.data;
  return {
    targetId: form[BLOCKS.target]?.[ACTIONS.pickTarget].selected_option?.value,
    durationSeconds: form[BLOCKS.duration]?.[ACTIONS.pickDuration].selected_option?.value,
    justification: form[BLOCKS.justification][ACTIONS.justification].value ?? '',
    ticket: form[BLOCKS.ticket]?.[ACTIONS.ticket].value ?? undefined,
    permissions: form[BLOCKS.permissions]?.[ACTIONS.permissions].value ?? undefined,
  };
}

export function readDenyReason(values: unknown): string | undefined {
  const parsed = denyFormValues.safeParse(values);
  return parsed.success ? (parsed.data[BLOCKS.denyReason][ACTIONS.denyReason].value ?? '').trim() : undefined;
}
