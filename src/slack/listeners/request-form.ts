import type { App } from '@slack/bolt';
import { findTarget, type Target } from '../../domain/catalog.js';
import { durationChoices } from '../../domain/request-input.js';
import { submitRequest } from '../../workflow/submit-request.js';
import { refusalFieldError } from '../blocks/refusal-replies.js';
import { requestModal } from '../blocks/request-modal.js';
import { duplicateRequestNotice } from '../blocks/requester-messages.js';
import { ACTIONS, BLOCKS, VIEWS } from '../ids.js';
import { type RequestForm, readRequestForm, targetPicked, viewSubmission } from '../payloads.js';
import type { ListenerDeps } from './deps.js';
import { notAllowedReply } from './replies.js';
import { offerableTargets } from './requestable.js';

/**
 * The form opened by Extend carries this, so its request goes to the approvers even on a target
 * that approves short requests by itself. Slack keeps private_metadata out of the person's reach,
 * and a forged one could only make a request stricter.
 */
export const EXTEND_METADATA = 'extend';

export interface FormPrefill {
  readonly durationSeconds?: number;
  readonly justification?: string;
  readonly ticket?: string;
}

/** An extension form for a generated policy's grant carries `extend:<grant id>:<target id>`. */
export function grantExtensionMetadata(grantId: string, targetId: string): string {
  return `${EXTEND_METADATA}:${grantId}:${targetId}`;
}

function readGrantExtension(metadata: string | undefined) {
  const [kind, grantId, targetId] = (metadata ?? '').split(':');
  return kind === EXTEND_METADATA && grantId && targetId ? { grantId, targetId } : undefined;
}

function formFor(
  deps: ListenerDeps,
  userId: string,
  selected?: Target,
  privateMetadata?: string,
  prefill?: FormPrefill,
  extending?: { readonly summary: string },
) {
  const targets = offerableTargets(deps.workflows.catalog.targets, userId, deps.directory).map((target) =>
    deps.targets.of(target),
  );
  return requestModal({
    targets,
    ...(privateMetadata ? { privateMetadata } : {}),
    ...(selected
      ? {
          selectedTargetId: selected.id,
          durationChoices: durationChoices(selected),
          defaultSeconds: prefill?.durationSeconds ?? selected.durations.defaultSeconds,
        }
      : {}),
    ...(prefill ? { prefill } : {}),
    ...(extending ? { extending } : {}),
  });
}

/** Opens the form at once: the trigger id dies 3 seconds after the slash command. */
export async function openRequestForm(
  deps: ListenerDeps,
  triggerId: string,
  userId: string,
  selectedTargetId?: string,
  privateMetadata?: string,
  prefill?: FormPrefill,
  extending?: { readonly summary: string },
) {
  const selected = selectedTargetId ? findTarget(deps.workflows.catalog, selectedTargetId) : undefined;
  await deps.views.open(triggerId, formFor(deps, userId, selected, privateMetadata, prefill, extending));
}

type FieldErrors = Partial<Record<(typeof BLOCKS)[keyof typeof BLOCKS], string>>;

/** Runs the submission; field errors go back into the form, nothing is created on error. */
async function submitForm(
  deps: ListenerDeps,
  userId: string,
  values: unknown,
  privateMetadata: string | undefined,
): Promise<FieldErrors | undefined> {
  const parsed = readRequestForm(values);
  if (!parsed)
    return { [BLOCKS.justification]: 'jitbot could not read this form; close it and run the command again.' };
  // An extension form shows its target instead of asking: it is the grant's.
  const extending = readGrantExtension(privateMetadata);
  const form = extending ? { ...parsed, targetId: extending.targetId, permissions: undefined } : parsed;
  const { targetId } = form;
  if (!targetId) return { [BLOCKS.target]: 'Pick what you need access to.' };
  if (!form.durationSeconds) return { [BLOCKS.duration]: 'Pick how long you need it for.' };
  const errors = await submitErrors(deps, userId, { ...form, targetId }, privateMetadata, extending);
  // The extension form has no target field: what would go there goes under the duration.
  if (extending && errors?.[BLOCKS.target]) return { [BLOCKS.duration]: errors[BLOCKS.target] };
  return errors;
}

async function submitErrors(
  deps: ListenerDeps,
  userId: string,
  form: RequestForm & { readonly targetId: string },
  privateMetadata: string | undefined,
  extending: { readonly grantId: string } | undefined,
): Promise<FieldErrors | undefined> {
  const outcome = await submitRequest(deps.workflows, {
    requesterId: userId,
    targetId: form.targetId,
    duration: `${form.durationSeconds}s`,
    justification: form.justification,
    ...(form.ticket ? { ticket: form.ticket } : {}),
    ...(form.permissions ? { permissions: form.permissions } : {}),
    extension: privateMetadata === EXTEND_METADATA,
    ...(extending ? { extendsGrantId: extending.grantId } : {}),
  });
  switch (outcome.type) {
    case 'invalid':
      return { ...outcome.problems };
    case 'has-access':
    case 'rate-limited':
    case 'too-many-pending':
      return { [BLOCKS.target]: refusalFieldError(outcome) };
    case 'duplicate':
      return { [BLOCKS.target]: duplicateRequestNotice(outcome.existing, outcome.target.name).text };
    case 'not-allowed':
      return { [BLOCKS.target]: notAllowedReply(outcome.target).text };
    case 'unknown-target':
      return { [BLOCKS.target]: 'That target is no longer in the catalog; pick another.' };
    case 'not-extendable':
      return { [BLOCKS.target]: outcome.reason };
    default:
      return undefined;
  }
}

export function registerRequestForm(app: App, deps: ListenerDeps): void {
  // Picking a target refreshes the form with that target's durations and default.
  app.action(ACTIONS.pickTarget, async ({ ack, body, client }) => {
    await ack();
    const parsed = targetPicked.safeParse(body);
    if (!parsed.success) {
      // A modal's clicks have no response_url to answer on: the form just stays as it was.
      deps.logger.warn(
        { fields: parsed.error.issues.map((issue) => issue.path.join('.')) },
        'could not read a target pick in the request form, so its durations were not refreshed',
      );
      return;
    }
    const target = findTarget(deps.workflows.catalog, parsed.data.actions[0]?.selected_option.value ?? '');
    const view = formFor(deps, body.user.id, target, parsed.data.view.private_metadata);
    await client.views.update({ view_id: parsed.data.view.id, hash: parsed.data.view.hash, view });
  });

  app.action(ACTIONS.pickDuration, async ({ ack }) => ack());

  app.view(VIEWS.request, async ({ ack, body }) => {
    const parsed = viewSubmission.safeParse(body);
    if (!parsed.success) {
      await ack({
        response_action: 'errors',
        errors: { [BLOCKS.justification]: 'jitbot could not read this form; try again.' },
      });
      return;
    }
    let errors: FieldErrors | undefined;
    try {
      const { state, private_metadata } = parsed.data.view;
      errors = await submitForm(deps, parsed.data.user.id, state.values, private_metadata);
    } catch (error) {
      deps.logger.error({ err: error, userId: parsed.data.user.id }, 'saving a request from the form failed');
      errors = {
        [BLOCKS.justification]:
          'jitbot could not save this request just now; nothing was created. Try again.',
      };
    }
    await ack(errors ? { response_action: 'errors', errors: errors as Record<string, string> } : undefined);
  });
}
