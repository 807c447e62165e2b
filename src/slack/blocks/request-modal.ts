/**
 * The request form opened by `/request-aws-access`. Picking a target dispatches an action so the
 * app can rebuild the form with that target's durations (`views.update` with this same builder).
 */
import type { InputBlock, KnownBlock, ModalView, PlainTextOption, StaticSelect } from '@slack/types';
import { formatDuration } from '../../domain/duration.js';
import {
  JUSTIFICATION_MAX,
  JUSTIFICATION_MIN,
  PERMISSIONS_MAX,
  TICKET_MAX,
} from '../../domain/request-input.js';
import { ACTIONS, BLOCKS, slashCommand, VIEWS } from '../ids.js';
import { escapeMrkdwn, mentionList } from '../mrkdwn.js';
import { context, option, plainText } from './elements.js';
import { SLACK_LIMITS } from './limits.js';
import { plural } from './request-parts.js';
import type { PermissionBounds, TargetSummary } from './types.js';

export interface RequestModalInput {
  /** The targets this person may request, in the order to show them. */
  readonly targets: readonly TargetSummary[];
  readonly selectedTargetId?: string;
  /** The selected target's choices, from `durationChoices` in domain/request-input. */
  readonly durationChoices?: readonly number[];
  /** Preselected duration; the selected target's default when absent. */
  readonly defaultSeconds?: number;
  /** Passed through untouched: Slack refuses more than 3000 characters, so keep it to ids. */
  readonly privateMetadata?: string;
  /** What the text shortcut already said, so the form opens with it filled in. */
  readonly prefill?: { readonly justification?: string; readonly ticket?: string };
  /**
   * Extend on a generated policy: the target and the permissions are those of the grant, shown
   * and not asked (`privateMetadata` names the grant); only the time and the reason are.
   */
  readonly extending?: { readonly summary: string };
}

/**
 * A static_select holds at most 100 options, so past 100 targets the form shows the first 100
 * (keeping the selected one) and points to the slash command for the rest. An external_select
 * would lift the cap; nobody has needed it yet.
 */
function shownTargets(
  targets: readonly TargetSummary[],
  selected: TargetSummary | undefined,
): TargetSummary[] {
  const max = SLACK_LIMITS.optionsPerSelect;
  const shown = targets.slice(0, max);
  if (selected && !shown.includes(selected)) shown[max - 1] = selected;
  return shown;
}

function hasApprovers(target: TargetSummary): boolean {
  return target.approverUsers.length + target.approverGroups.length > 0;
}

/** `up to 4h · 2 approvals · breakglass`, under the target's name in the menu. */
function targetOption(target: TargetSummary): PlainTextOption {
  const facts = [`up to ${formatDuration(target.maxSeconds)}`];
  if (hasApprovers(target)) facts.push(plural(target.approvalsRequired, 'approval'));
  if (target.breakglass) facts.push('breakglass');
  return option(target.name, target.id, facts.join(' · '));
}

function byLocation(targets: readonly TargetSummary[]): Map<string, TargetSummary[]> {
  const groups = new Map<string, TargetSummary[]>();
  for (const target of targets) {
    const group = groups.get(target.location);
    if (group) group.push(target);
    else groups.set(target.location, [target]);
  }
  return groups;
}

/** Groups by location in first-seen order; one location needs no group headings. */
function targetSelect(shown: readonly TargetSummary[], selected: TargetSummary | undefined): StaticSelect {
  const groups = byLocation(shown);
  const choices =
    groups.size > 1
      ? {
          option_groups: [...groups].map(([location, group]) => ({
            label: plainText(location, SLACK_LIMITS.optionText),
            options: group.map(targetOption),
          })),
        }
      : { options: shown.map(targetOption) };
  return {
    type: 'static_select',
    action_id: ACTIONS.pickTarget,
    placeholder: plainText('Choose a target', SLACK_LIMITS.placeholder),
    ...choices,
    ...(selected ? { initial_option: targetOption(selected) } : {}),
  };
}

function targetBlocks(input: RequestModalInput, selected: TargetSummary | undefined): KnownBlock[] {
  const shown = shownTargets(input.targets, selected);
  const block: InputBlock = {
    type: 'input',
    block_id: BLOCKS.target,
    // Picking a target must reach the app at once, to refresh the durations below.
    dispatch_action: true,
    label: plainText('Target'),
    element: targetSelect(shown, selected),
  };
  if (shown.length === input.targets.length) return [block];
  const usage = escapeMrkdwn(`${slashCommand()} <target-id> <duration> <justification>`);
  return [
    block,
    context(`Showing ${shown.length} of ${input.targets.length} targets: use \`${usage}\` for the others.`),
  ];
}

function durationOption(seconds: number): PlainTextOption {
  return option(formatDuration(seconds), String(seconds));
}

function durationBlocks(input: RequestModalInput, selected: TargetSummary | undefined): KnownBlock[] {
  if (!selected) return [context('Pick a target to see how long you can ask for.')];
  const fallback = [...new Set([selected.defaultSeconds, selected.maxSeconds])].sort((a, b) => a - b);
  const choices = input.durationChoices?.length ? input.durationChoices : fallback;
  const options = choices.slice(0, SLACK_LIMITS.optionsPerSelect).map(durationOption);
  const preferred = String(input.defaultSeconds ?? selected.defaultSeconds);
  const initial = options.find((o) => o.value === preferred) ?? options[0];
  const element: StaticSelect = {
    type: 'static_select',
    action_id: ACTIONS.pickDuration,
    options,
    ...(initial ? { initial_option: initial } : {}),
  };
  const block: InputBlock = {
    type: 'input',
    block_id: BLOCKS.duration,
    label: plainText('Duration'),
    element,
  };
  return hasApprovers(selected) ? [approversContext(selected), block] : [block];
}

/** Who will decide, so the requester knows whom to nudge. */
function approversContext(target: TargetSummary): KnownBlock {
  const approvers = mentionList(target.approverUsers, target.approverGroups);
  return context(`Approvers: ${approvers} · ${plural(target.approvalsRequired, 'approval')} needed`);
}

/** `s3:Get*, s3:List* on arn:aws:s3:::team-a-*`: what the target's bounds allow, in one line. */
function boundsWords(bounds: PermissionBounds): string {
  const denied = bounds.deny.length > 0 ? `; never ${bounds.deny.join(', ')}` : '';
  return `Allowed: ${bounds.actions.join(', ')} on ${bounds.resources.join(', ')}${denied}.`;
}

/** A generated policy's form asks what it must allow: one statement per line. */
function permissionBlocks(selected: TargetSummary | undefined): InputBlock[] {
  const bounds = selected?.permissionBounds;
  if (!bounds) return [];
  return [
    {
      type: 'input',
      block_id: BLOCKS.permissions,
      label: plainText('Permissions'),
      hint: plainText(
        `One line per statement: actions, a space, then resources; commas between several. ${boundsWords(bounds)}`,
        SLACK_LIMITS.label,
      ),
      element: {
        type: 'plain_text_input',
        action_id: ACTIONS.permissions,
        multiline: true,
        max_length: PERMISSIONS_MAX,
        placeholder: plainText(
          'e.g. s3:GetObject,s3:ListBucket arn:aws:s3:::my-bucket,arn:aws:s3:::my-bucket/*',
          SLACK_LIMITS.placeholder,
        ),
      },
    },
  ];
}

/** What an extension of a generated policy keeps: the target and its permissions, in words. */
function extensionBlocks(selected: TargetSummary | undefined, summary: string): KnownBlock[] {
  const name = selected ? `*${escapeMrkdwn(selected.name)}*` : 'this access';
  return [
    context(
      `Extending ${name} with the same permissions (${escapeMrkdwn(summary)}): on approval a new policy ending later replaces the one you hold.`,
    ),
  ];
}

function reasonBlocks(prefill: RequestModalInput['prefill']): InputBlock[] {
  const justification: InputBlock = {
    type: 'input',
    block_id: BLOCKS.justification,
    label: plainText('Why do you need it?'),
    element: {
      type: 'plain_text_input',
      action_id: ACTIONS.justification,
      multiline: true,
      min_length: JUSTIFICATION_MIN,
      max_length: JUSTIFICATION_MAX,
      ...(prefill?.justification ? { initial_value: prefill.justification.slice(0, JUSTIFICATION_MAX) } : {}),
      placeholder: plainText(
        'e.g. INC-1234: reading CloudWatch logs for the checkout outage',
        SLACK_LIMITS.placeholder,
      ),
    },
  };
  const ticket: InputBlock = {
    type: 'input',
    block_id: BLOCKS.ticket,
    optional: true,
    label: plainText('Ticket or link'),
    element: {
      type: 'plain_text_input',
      action_id: ACTIONS.ticket,
      max_length: TICKET_MAX,
      ...(prefill?.ticket ? { initial_value: prefill.ticket.slice(0, TICKET_MAX) } : {}),
      placeholder: plainText('e.g. INC-1234 or https://…', SLACK_LIMITS.placeholder),
    },
  };
  return [justification, ticket];
}

export function requestModal(input: RequestModalInput): ModalView {
  const selected = input.targets.find((target) => target.id === input.selectedTargetId);
  return {
    type: 'modal',
    callback_id: VIEWS.request,
    title: plainText('Request access', SLACK_LIMITS.modalTitle),
    submit: plainText('Request', SLACK_LIMITS.modalTitle),
    close: plainText('Cancel', SLACK_LIMITS.modalTitle),
    ...(input.privateMetadata === undefined ? {} : { private_metadata: input.privateMetadata }),
    blocks: input.extending
      ? [
          ...extensionBlocks(selected, input.extending.summary),
          ...durationBlocks(input, selected),
          ...reasonBlocks(input.prefill),
        ]
      : [
          ...targetBlocks(input, selected),
          ...durationBlocks(input, selected),
          ...permissionBlocks(selected),
          ...reasonBlocks(input.prefill),
        ],
  };
}
