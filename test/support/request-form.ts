import { ACTIONS, BLOCKS } from '../../src/slack/ids.js';

/**
 * The request form's `state.values` as Slack sends them on submission: target, duration,
 * justification, ticket, and the permissions of a generated policy's form.
 */
export function formValues(
  target: string,
  seconds: string,
  justification: string,
  ticket = '',
  permissions?: string,
) {
  return {
    ...(permissions === undefined
      ? {}
      : {
          [BLOCKS.permissions]: { [ACTIONS.permissions]: { type: 'plain_text_input', value: permissions } },
        }),
    [BLOCKS.target]: { [ACTIONS.pickTarget]: { type: 'static_select', selected_option: { value: target } } },
    [BLOCKS.duration]: {
      [ACTIONS.pickDuration]: { type: 'static_select', selected_option: { value: seconds } },
    },
    [BLOCKS.justification]: { [ACTIONS.justification]: { type: 'plain_text_input', value: justification } },
    [BLOCKS.ticket]: { [ACTIONS.ticket]: { type: 'plain_text_input', value: ticket } },
  };
}
