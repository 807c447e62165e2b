import type { App } from '@slack/bolt';
import { findTarget } from '../../domain/catalog.js';
import { parseDuration } from '../../domain/duration.js';
import { cancelRequest } from '../../workflow/cancel-request.js';
import { readStatus } from '../../workflow/read-status.js';
import { submitRequest } from '../../workflow/submit-request.js';
import { helpReply, listReply, problemReply, statusReply } from '../blocks/command-replies.js';
import type { SlackMessage } from '../blocks/types.js';
import { type CommandIntent, parseCommandText } from '../command-text.js';
import { slashCommand } from '../ids.js';
import { requestView } from '../request-views.js';
import type { ListenerDeps } from './deps.js';
import { cancelReply, submitReply } from './replies.js';
import { openRequestForm } from './request-form.js';
import { requestableTargets } from './requestable.js';
import { answerSafely, answerTo } from './respond.js';

type Intent<K extends CommandIntent['kind']> = Extract<CommandIntent, { kind: K }>;

async function statusMessage(deps: ListenerDeps, userId: string): Promise<SlackMessage> {
  const status = await readStatus(deps.workflows, userId);
  return statusReply({
    pending: status.pending.map((facts) => requestView(deps.targets, facts)),
    active: status.live.map((grant) => ({
      requestId: grant.requestId,
      expiresAt: grant.expiresAt,
      targetName: deps.targets.byId(grant.targetId)?.name ?? grant.targetId,
    })),
  });
}

async function replyFor(deps: ListenerDeps, intent: CommandIntent, userId: string): Promise<SlackMessage> {
  const { catalog } = deps.workflows;
  switch (intent.kind) {
    case 'list': {
      const targets = await requestableTargets(catalog.targets, userId, deps.directory);
      return listReply(targets.map((target) => deps.targets.of(target)));
    }
    case 'status':
      return statusMessage(deps, userId);
    case 'cancel':
      return cancelReply(await cancelRequest(deps.workflows, intent.requestId, userId), intent.requestId);
    case 'request':
      return submitByText(deps, intent, userId);
    case 'incomplete':
      return problemReply(intent.problem);
    default:
      return helpReply();
  }
}

async function submitByText(
  deps: ListenerDeps,
  intent: Intent<'request'>,
  userId: string,
): Promise<SlackMessage> {
  const outcome = await submitRequest(deps.workflows, { requesterId: userId, ...intent });
  const validIds = outcome.type === 'unknown-target' ? await validTargetIds(deps, userId) : [];
  return submitReply(outcome, intent.targetId, validIds);
}

async function validTargetIds(deps: ListenerDeps, userId: string): Promise<string[]> {
  const targets = await requestableTargets(deps.workflows.catalog.targets, userId, deps.directory);
  return targets.map((target) => target.id);
}

function asksForPermissions(deps: ListenerDeps, targetId: string): boolean {
  return findTarget(deps.workflows.catalog, targetId)?.kind === 'aws-iam-generated-policy';
}

/**
 * `/request-aws-access`. The ack goes out before anything slow: help is answered in the ack
 * itself, the form is opened right after it, and everything else is answered with `respond`.
 */
export function registerRequestCommand(app: App, deps: ListenerDeps): void {
  app.command(slashCommand(), async ({ command, ack, respond, client }) => {
    const answer = answerTo(deps, { body: command, respond, client });
    const intent = parseCommandText(command.text ?? '');
    if (intent.kind === 'help') {
      const help = helpReply();
      await ack({ response_type: 'ephemeral', text: help.text, blocks: help.blocks });
      return;
    }
    await ack();
    if (intent.kind === 'open-form') {
      await answerSafely(deps.logger, answer, 'opening the request form', () =>
        openRequestForm(deps, command.trigger_id, command.user_id),
      );
      return;
    }
    if (intent.kind === 'request' && asksForPermissions(deps, intent.targetId)) {
      // Permissions take lines of their own: the form opens with what the command already said.
      const durationSeconds = parseDuration(intent.duration);
      await answerSafely(deps.logger, answer, 'opening the request form', () =>
        openRequestForm(deps, command.trigger_id, command.user_id, intent.targetId, undefined, {
          ...(durationSeconds ? { durationSeconds } : {}),
          justification: intent.justification,
        }),
      );
      return;
    }
    await answerSafely(deps.logger, answer, `${slashCommand()} ${intent.kind}`, async () => {
      await answer(await replyFor(deps, intent, command.user_id));
    });
  });
}
