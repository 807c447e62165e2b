/** The modal an approver fills in after clicking Deny: the requester sees the reason. */
import type { ModalView } from '@slack/types';
import { DENY_REASON_MAX } from '../../domain/request-input.js';
import { ACTIONS, BLOCKS, VIEWS } from '../ids.js';
import { escapeMrkdwn, mention } from '../mrkdwn.js';
import { plainText, section } from './elements.js';
import { SLACK_LIMITS } from './limits.js';
import { requestIdCode } from './request-parts.js';

export interface DenyReasonModalInput {
  readonly requestId: string;
  readonly requesterId: string;
  readonly targetName: string;
}

export function denyReasonModal({ requestId, requesterId, targetName }: DenyReasonModalInput): ModalView {
  const what = `${mention(requesterId)} asked for *${escapeMrkdwn(targetName)}* (${requestIdCode(requestId)}).`;
  return {
    type: 'modal',
    callback_id: VIEWS.denyReason,
    // The submission handler reads the request id from here: the modal has no other link to it.
    private_metadata: requestId,
    title: plainText('Deny request', SLACK_LIMITS.modalTitle),
    submit: plainText('Deny', SLACK_LIMITS.modalTitle),
    close: plainText('Cancel', SLACK_LIMITS.modalTitle),
    blocks: [
      section(`${what}\nThey will see your reason.`),
      {
        type: 'input',
        block_id: BLOCKS.denyReason,
        label: plainText('Reason'),
        element: {
          type: 'plain_text_input',
          action_id: ACTIONS.denyReason,
          multiline: true,
          // The same limit is checked again on submission (domain/request-input).
          max_length: DENY_REASON_MAX,
          placeholder: plainText('e.g. Use the read-only role for this', SLACK_LIMITS.placeholder),
        },
      },
    ],
  };
}
