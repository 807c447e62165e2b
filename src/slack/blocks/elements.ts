/**
 * The few Block Kit pieces jitbot uses, each cut to Slack's limits here so that no builder can
 * emit a payload Slack refuses. Text passed to the mrkdwn helpers must already be escaped.
 */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  PlainTextOption,
  SectionBlock,
} from '@slack/types';
import { truncate, truncateMrkdwn } from '../mrkdwn.js';
import { SLACK_LIMITS } from './limits.js';
import type { SlackMessage } from './types.js';

/** Plain text is shown as typed (Slack parses no markup in it), so it needs cutting, not escaping. */
export function plainText(text: string, max: number = SLACK_LIMITS.text): PlainTextElement {
  return { type: 'plain_text', text: truncate(text, max), emoji: true };
}

export function mrkdwnText(text: string, max: number = SLACK_LIMITS.text): MrkdwnElement {
  return { type: 'mrkdwn', text: truncateMrkdwn(text, max) };
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: plainText(text, SLACK_LIMITS.header) };
}

export function section(text: string): SectionBlock {
  return { type: 'section', text: mrkdwnText(text) };
}

export function context(...texts: string[]): ContextBlock {
  return {
    type: 'context',
    elements: texts.slice(0, SLACK_LIMITS.contextElements).map((t) => mrkdwnText(t)),
  };
}

export interface ButtonSpec {
  readonly text: string;
  readonly actionId: string;
  readonly value: string;
  readonly style?: 'primary' | 'danger';
}

export function button({ text, actionId, value, style }: ButtonSpec): Button {
  return {
    type: 'button',
    text: plainText(text, SLACK_LIMITS.buttonText),
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

export function actions(...buttons: Button[]): ActionsBlock {
  return { type: 'actions', elements: buttons };
}

export function option(text: string, value: string, description?: string): PlainTextOption {
  return {
    text: plainText(text, SLACK_LIMITS.optionText),
    value,
    ...(description ? { description: plainText(description, SLACK_LIMITS.optionText) } : {}),
  };
}

/**
 * A message with its notification text. Past Slack's block cap the tail is replaced by a note
 * rather than failing the whole post; builders that list things cap their lists well below it.
 */
export function message(text: string, blocks: KnownBlock[]): SlackMessage {
  const max = SLACK_LIMITS.blocksPerMessage;
  const fitted =
    blocks.length <= max ? blocks : [...blocks.slice(0, max - 1), context('_(more not shown: too long)_')];
  return { text: truncateMrkdwn(text, SLACK_LIMITS.fallbackText), blocks: fitted };
}
