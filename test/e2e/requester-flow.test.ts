import { describe, expect, it, vi } from 'vitest';
import { VIEWS } from '../../src/slack/ids.js';
import { formValues } from '../support/request-form.js';
import { PEOPLE } from '../support/test-catalog.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const jitbot = useJitbot();
const newUser = userIds('UREQFLOW');

function postsTo(channel: string) {
  return jitbot.slack.callsTo('chat.postMessage').filter((call) => call.args.channel === channel);
}

async function lastResponseText(responseUrl: string): Promise<string> {
  let text = '';
  await vi.waitFor(() => {
    const [last] = jitbot.responses(responseUrl).slice(-1);
    if (!last) throw new Error('no response yet');
    text = JSON.stringify(last.args);
  });
  return text;
}

describe('the request form', () => {
  it('opens at once on the bare command, offering the targets', async () => {
    const user = newUser();
    const before = jitbot.slack.callsTo('views.open').length;
    const { status } = await jitbot.command('', user);
    expect(status).toBe(200);
    await vi.waitFor(() => expect(jitbot.slack.callsTo('views.open').length).toBe(before + 1));
    const view = jitbot.slack.callsTo('views.open').at(-1)?.args.view as { callback_id: string };
    expect(view.callback_id).toBe(VIEWS.request);
    expect(JSON.stringify(view)).toContain('Production admin');
    // A target restricted to other people is not offered.
    expect(JSON.stringify(view)).not.toContain('Production restricted');
  });

  it.each(['expired_trigger_id', 'exchanged_trigger_id'])(
    'says to run it again when Slack answers %s, instead of staying silent',
    async (error) => {
      jitbot.slack.fail('views.open', () => true, { status: 200, error });
      const { status, responseUrl } = await jitbot.command('', newUser());
      expect(status).toBe(200);
      const text = await lastResponseText(responseUrl);
      expect(text).toContain('3 seconds');
      expect(text).toContain('again');
    },
  );

  it('a valid submission closes the form, and DMs the approvers, the channel and the requester', async () => {
    const user = newUser();
    const response = await jitbot.submitView(
      VIEWS.request,
      formValues('prod-admin', '7200', 'rotate the db password'),
      user,
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    for (const recipient of [PEOPLE.approver1, PEOPLE.approver2, 'CAPPROVALS1', user]) {
      await vi.waitFor(() =>
        expect(postsTo(recipient).some((call) => JSON.stringify(call.args).includes(user))).toBe(true),
      );
    }
    const { rows } = await jitbot.database.pool.query(
      'SELECT status, duration_seconds FROM requests WHERE requester_id = $1',
      [user],
    );
    expect(rows).toEqual([{ status: 'pending', duration_seconds: 7200 }]);
  });

  it('problems come back on the fields, and nothing is created', async () => {
    const user = newUser();
    const response = await jitbot.submitView(VIEWS.request, formValues('prod-admin', '36000', 'short'), user);
    expect(await response.json()).toEqual({
      response_action: 'errors',
      errors: {
        duration: '10h is longer than Production admin allows: at most 4h',
        justification: 'say why you need access, in at least 10 characters',
      },
    });
    const { rowCount } = await jitbot.database.pool.query('SELECT 1 FROM requests WHERE requester_id = $1', [
      user,
    ]);
    expect(rowCount).toBe(0);
  });

  it('a second request for the same target points at the first, on the target field', async () => {
    const user = newUser();
    await jitbot.submitView(VIEWS.request, formValues('prod-admin', '3600', 'first request for this'), user);
    const second = await jitbot.submitView(
      VIEWS.request,
      formValues('prod-admin', '3600', 'second request for it'),
      user,
    );
    const body = (await second.json()) as { errors: Record<string, string> };
    expect(body.errors.target).toMatch(/You already have a pending request REQ-[0-9A-Z]{8}/);
  });
});

describe('the text shortcut and subcommands', () => {
  it('help answers in the ack itself', async () => {
    const { body } = await jitbot.command('help', newUser());
    expect(JSON.parse(body)).toMatchObject({ response_type: 'ephemeral' });
    expect(body).toContain('cancel');
  });

  it('<target> <duration> <why> creates the request and says so', async () => {
    const user = newUser();
    const { responseUrl } = await jitbot.command('prod-admin 2h investigating INC-42 in prod', user);
    expect(await lastResponseText(responseUrl)).toMatch(
      /REQ-[0-9A-Z]{8} for \*Production admin\* \(2h\) is waiting for approval/,
    );
  });

  it('an unknown target is refused with the valid choices', async () => {
    const { responseUrl } = await jitbot.command('prod-admn 2h investigating INC-42', newUser());
    const text = await lastResponseText(responseUrl);
    expect(text).toContain('There is no target');
    expect(text).toContain('prod-admin, prod-two-person');
  });

  it('a duration over the max is refused, naming the max', async () => {
    const { responseUrl } = await jitbot.command('prod-admin 9h investigating INC-42', newUser());
    expect(await lastResponseText(responseUrl)).toContain(
      '9h is longer than Production admin allows: at most 4h',
    );
  });

  it('list shows what I may request; status shows my pending request; cancel withdraws it', async () => {
    const user = newUser();
    const list = await lastResponseText((await jitbot.command('list', user)).responseUrl);
    expect(list).toContain('prod-admin');
    expect(list).not.toContain('prod-restricted');
    const made = await lastResponseText(
      (await jitbot.command('prod-two-person 1h checking a deploy', user)).responseUrl,
    );
    const id = /REQ-[0-9A-Z]{8}/.exec(made)?.[0] ?? '';
    expect(await lastResponseText((await jitbot.command('status', user)).responseUrl)).toContain(id);
    expect(await lastResponseText((await jitbot.command(`cancel ${id}`, user)).responseUrl)).toContain(
      `${id} is cancelled`,
    );
    expect(await lastResponseText((await jitbot.command(`cancel ${id}`, user)).responseUrl)).toContain(
      'already cancelled',
    );
  });

  it('text a requester types is escaped everywhere it is shown, so it cannot mention or link', async () => {
    const user = newUser();
    await jitbot.command('prod-admin 1h <!channel> see <https://evil.example|here> <@UAPPROVER1>', user);
    await vi.waitFor(() =>
      expect(postsTo(PEOPLE.approver1).some((call) => JSON.stringify(call.args).includes(user))).toBe(true),
    );
    const sent = postsTo(PEOPLE.approver1).filter((call) => JSON.stringify(call.args).includes(user));
    const json = JSON.stringify(sent);
    expect(json).toContain('&lt;!channel&gt;');
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil.example');
  });
});
