import { ACTIONS, BLOCKS } from '../../src/slack/ids.js';

/** The request form's `state.values` as Slack sends them on submission: target, duration, justification, ticket. */
export function formValues(target: string, seconds: string, justification: string, ticket = '') {
  return {
    [BLOCKS.target]: { [ACTIONS.pickTarget]: { type: 'static_select', selected_option: { value: target } } },
    [BLOCKS.duration]: {
      [ACTIONS.pickDuration]: { type: 'static_select', selected_option: { value: seconds } },
    },
    [BLOCKS.justification]: { [ACTIONS.justification]: { type: 'plain_text_input', value: justification } },
    [BLOCKS.ticket]: { [ACTIONS.ticket]: { type: 'plain_text_input', value: ticket } },
  };
}
