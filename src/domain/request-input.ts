import type { Target } from './catalog.js';
import { formatDuration, parseDuration } from './duration.js';
import { hasVisibleText, visibleLength } from './visible-text.js';

/** Counted in characters a reader sees: invisible ones and whitespace do not count. */
export const JUSTIFICATION_MIN = 10;
export const JUSTIFICATION_MAX = 1000;
export const TICKET_MAX = 300;
/** A generated policy's permissions, as typed: the form's max_length, and the policy engine's cap. */
export const PERMISSIONS_MAX = 3000;
/** The deny form's max_length; a submission is checked against it again, since Slack's check is the client's. */
export const DENY_REASON_MAX = 500;

export interface RawRequestInput {
  readonly duration: string;
  readonly justification: string;
  readonly ticket?: string;
}

export interface RequestInput {
  readonly durationSeconds: number;
  readonly justification: string;
  readonly ticket: string | null;
}

/** Problems keyed by field, each a sentence a requester can act on. */
export type InputProblems = Partial<Record<'duration' | 'justification' | 'ticket' | 'permissions', string>>;

export type InputResult =
  | { readonly ok: true; readonly input: RequestInput }
  | { readonly ok: false; readonly problems: InputProblems };

/** The durations offered for a target: common steps up to its max, always including default and max. */
export function durationChoices(target: Target): number[] {
  const steps = [900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400, 172_800, 604_800];
  const { defaultSeconds, maxSeconds } = target.durations;
  const choices = new Set(steps.filter((seconds) => seconds <= maxSeconds));
  choices.add(defaultSeconds);
  choices.add(maxSeconds);
  return [...choices].sort((a, b) => a - b);
}

function checkDuration(text: string, target: Target): number | string {
  const seconds = parseDuration(text);
  const max = formatDuration(target.durations.maxSeconds);
  if (seconds === undefined) return `"${text}" is not a duration: write e.g. 30m, 2h or 1d (at most ${max})`;
  if (seconds > target.durations.maxSeconds) {
    return `${formatDuration(seconds)} is longer than ${target.name} allows: at most ${max}`;
  }
  if (seconds < 60) return 'ask for at least 1m';
  return seconds;
}

/** C0 controls but tab and line breaks, and DEL: nobody types them, and PostgreSQL text cannot hold NUL. */
function hasControlCharacter(text: string): boolean {
  for (const char of text) {
    const code = char.charCodeAt(0);
    if ((code < 0x20 && char !== '\t' && char !== '\n' && char !== '\r') || code === 0x7f) return true;
  }
  return false;
}
const CONTROL_WORDS = 'has a control character (an invisible byte such as NUL): type it again without it';

/** Validates what a requester typed or picked, against the target's limits. */
export function validateRequestInput(raw: RawRequestInput, target: Target): InputResult {
  const problems: InputProblems = {};
  const duration = checkDuration(raw.duration, target);
  if (typeof duration === 'string') problems.duration = duration;
  const justification = raw.justification.trim();
  if (hasControlCharacter(justification)) {
    problems.justification = `the justification ${CONTROL_WORDS}`;
  } else if (visibleLength(justification) < JUSTIFICATION_MIN) {
    problems.justification = `say why you need access, in at least ${JUSTIFICATION_MIN} characters`;
  } else if (justification.length > JUSTIFICATION_MAX) {
    problems.justification = `keep the justification under ${JUSTIFICATION_MAX} characters (it has ${justification.length})`;
  }
  const ticket = raw.ticket?.trim() || null;
  if (ticket && hasControlCharacter(ticket)) problems.ticket = `the ticket ${CONTROL_WORDS}`;
  else if (ticket && ticket.length > TICKET_MAX)
    problems.ticket = `keep the ticket or link under ${TICKET_MAX} characters`;
  if (typeof duration === 'string' || Object.keys(problems).length > 0) return { ok: false, problems };
  return { ok: true, input: { durationSeconds: duration, justification, ticket } };
}

/** Why a deny reason cannot be sent as it is, in words for the approver; undefined when it can. */
export function denyReasonProblem(reason: string): string | undefined {
  if (!hasVisibleText(reason)) return 'Say why, so the requester knows what to do next.';
  if (hasControlCharacter(reason)) return `The reason ${CONTROL_WORDS}.`;
  // Code points, as the form counts them: what the form let through is never refused here.
  const length = [...reason].length;
  if (length > DENY_REASON_MAX)
    return `Keep the reason to at most ${DENY_REASON_MAX} characters (it has ${length}); the requester reads it in a DM.`;
  return undefined;
}
