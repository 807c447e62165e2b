import type { InputBlock, StaticSelect } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { requestModal } from '../../src/slack/blocks/request-modal.js';
import { ACTIONS, BLOCKS, VIEWS } from '../../src/slack/ids.js';
import { APPROVER, APPROVER_GROUP, buildTarget, buildTargets } from './builders.js';
import { limitProblems } from './slack-limits.js';

const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });
const PROD = buildTarget();
const PROD_OPTION = {
  text: plain('Production admin'),
  value: 'prod-admin',
  description: plain('up to 4h · 1 approval'),
};

function input(blockId: string, modal: ReturnType<typeof requestModal>): InputBlock {
  const block = modal.blocks.find((b) => b.block_id === blockId);
  if (block?.type !== 'input') throw new Error(`no input block ${blockId}`);
  return block as InputBlock;
}

function select(blockId: string, modal: ReturnType<typeof requestModal>): StaticSelect {
  const element = input(blockId, modal).element;
  if (element.type !== 'static_select') throw new Error(`${blockId} is not a static_select`);
  return element;
}

describe('requestModal', () => {
  it('asks for a target first and explains where the durations are, before one is picked', () => {
    expect(requestModal({ targets: [PROD] })).toEqual({
      type: 'modal',
      callback_id: VIEWS.request,
      title: plain('Request access'),
      submit: plain('Request'),
      close: plain('Cancel'),
      blocks: [
        {
          type: 'input',
          block_id: BLOCKS.target,
          dispatch_action: true,
          label: plain('Target'),
          element: {
            type: 'static_select',
            action_id: ACTIONS.pickTarget,
            placeholder: plain('Choose a target'),
            options: [PROD_OPTION],
          },
        },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: 'Pick a target to see how long you can ask for.' }],
        },
        {
          type: 'input',
          block_id: BLOCKS.justification,
          label: plain('Why do you need it?'),
          element: {
            type: 'plain_text_input',
            action_id: ACTIONS.justification,
            multiline: true,
            min_length: 10,
            max_length: 1000,
            placeholder: plain('e.g. INC-1234: reading CloudWatch logs for the checkout outage'),
          },
        },
        {
          type: 'input',
          block_id: BLOCKS.ticket,
          optional: true,
          label: plain('Ticket or link'),
          element: {
            type: 'plain_text_input',
            action_id: ACTIONS.ticket,
            max_length: 300,
            placeholder: plain('e.g. INC-1234 or https://…'),
          },
        },
      ],
    });
  });

  it('preselects the picked target and offers its durations with the default chosen', () => {
    const target = buildTarget({ approverGroups: [APPROVER_GROUP], approvalsRequired: 2 });
    const modal = requestModal({
      targets: [target],
      selectedTargetId: 'prod-admin',
      durationChoices: [900, 1800, 3600, 7200, 14_400],
      privateMetadata: '{"channel":"C1"}',
    });
    expect(modal.private_metadata).toBe('{"channel":"C1"}');
    expect(select(BLOCKS.target, modal).initial_option?.value).toBe('prod-admin');
    const duration = select(BLOCKS.duration, modal);
    expect(duration).toEqual({
      type: 'static_select',
      action_id: ACTIONS.pickDuration,
      options: [
        { text: plain('15m'), value: '900' },
        { text: plain('30m'), value: '1800' },
        { text: plain('1h'), value: '3600' },
        { text: plain('2h'), value: '7200' },
        { text: plain('4h'), value: '14400' },
      ],
      initial_option: { text: plain('1h'), value: '3600' },
    });
    expect(modal.blocks[1]).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Approvers: <@${APPROVER}>, <!subteam^${APPROVER_GROUP}> · 2 approvals needed`,
        },
      ],
    });
  });

  it('preselects an explicit default over the target default', () => {
    const modal = requestModal({
      targets: [PROD],
      selectedTargetId: 'prod-admin',
      durationChoices: [3600, 7200],
      defaultSeconds: 7200,
    });
    expect(select(BLOCKS.duration, modal).initial_option?.value).toBe('7200');
  });

  it("falls back to the target's default and max when no choices are given", () => {
    const modal = requestModal({ targets: [PROD], selectedTargetId: 'prod-admin' });
    expect(select(BLOCKS.duration, modal).options?.map((o) => o.value)).toEqual(['3600', '14400']);
  });

  it('uses a flat list for one location and option groups for several, in first-seen order', () => {
    const one = select(BLOCKS.target, requestModal({ targets: buildTargets(3, 1) }));
    expect(one.option_groups).toBeUndefined();
    expect(one.options?.map((o) => o.value)).toEqual(['t-1', 't-2', 't-3']);

    const two = select(BLOCKS.target, requestModal({ targets: buildTargets(3, 2) }));
    expect(two.options).toBeUndefined();
    expect(two.option_groups?.map((g) => [g.label.text, g.options.map((o) => o.value)])).toEqual([
      ['Account 1', ['t-1', 't-3']],
      ['Account 2', ['t-2']],
    ]);
  });

  it('shows 100 of 120 targets, says so, and stays a valid payload', () => {
    const modal = requestModal({ targets: buildTargets(120, 3) });
    const groups = select(BLOCKS.target, modal).option_groups ?? [];
    expect(groups.flatMap((g) => g.options)).toHaveLength(100);
    expect(JSON.stringify(modal)).toContain(
      'Showing 100 of 120 targets: use `/request-aws-access &lt;target-id&gt; &lt;duration&gt; &lt;justification&gt;` for the others.',
    );
    expect(limitProblems(modal)).toEqual([]);
  });

  it('keeps a picked target that sits past the first 100 in the menu', () => {
    const modal = requestModal({
      targets: buildTargets(120),
      selectedTargetId: 't-110',
      durationChoices: [3600],
    });
    const target = select(BLOCKS.target, modal);
    expect(target.options).toHaveLength(100);
    expect(target.initial_option?.value).toBe('t-110');
    expect(limitProblems(modal)).toEqual([]);
  });

  it('ignores a selected id that is not among the targets', () => {
    const modal = requestModal({ targets: [PROD], selectedTargetId: 'gone' });
    expect(select(BLOCKS.target, modal).initial_option).toBeUndefined();
    expect(modal.blocks.some((b) => b.block_id === BLOCKS.duration)).toBe(false);
  });

  it('cuts long target names and locations to the option limits', () => {
    const long = buildTarget({ name: 'N'.repeat(200), location: 'L'.repeat(200) });
    const modal = requestModal({
      targets: [long, buildTarget({ id: 'other' })],
      selectedTargetId: 'prod-admin',
    });
    expect(limitProblems(modal)).toEqual([]);
  });
});
