/**
 * The fake Slack Web API in a process of its own, for benchmarks that follow a request to its
 * approval message. users.info answers every user as a member of the fake workspace with the
 * email `<id in lower case>@example.com` (so jitbot finds the IAM user of that local part), and
 * each chat.postMessage is timed: to the approver given as the first argument, keyed by the
 * requester the message mentions; to anyone else, keyed by the channel (the requester's receipt).
 */
import { startFakeSlack } from '../../test/support/fake-slack.js';

const approverId = process.argv[2] ?? 'UAPPROVER1';
const slack = await startFakeSlack();
const now = () => performance.timeOrigin + performance.now();

/** Wall-clock ms at which each requester's approval message was posted. */
const approvalAt: Record<string, number> = {};
/** Whether that message showed a generated policy ("hard expiry ..."). */
const showsPolicy: Record<string, boolean> = {};
/** Wall-clock ms of the first other message to each channel (the requester's receipt). */
const otherAt: Record<string, number> = {};
/** Its text: a refusal says why. */
const otherText: Record<string, string> = {};
let sequence = 0;

/** Resolved once the requester has a message other than the approval: the receipt, or a refusal. */
const waiters = new Map<string, (() => void)[]>();

function wake(requester: string): void {
  for (const done of waiters.get(requester) ?? []) done();
  waiters.delete(requester);
}

function answerFor(requester: string) {
  return {
    approvalAt: approvalAt[requester] ?? null,
    otherAt: otherAt[requester] ?? null,
    otherText: otherText[requester] ?? null,
  };
}

slack.on('users.info', (args) => {
  const id = String(args.user);
  return {
    user: {
      id,
      team_id: 'TFAKE',
      deleted: false,
      is_bot: false,
      profile: { email: `${id.toLowerCase()}@example.com` },
    },
  };
});

slack.on('chat.postMessage', (args) => {
  const at = now();
  sequence += 1;
  const channel = String(args.channel);
  if (channel === approverId) {
    // The approval message's text names the requester: "<@U...> asks for ...".
    const requester = /<@([UW][A-Z0-9]+)>/.exec(String(args.text ?? ''))?.[1] ?? 'unknown';
    approvalAt[requester] ??= at;
    showsPolicy[requester] = JSON.stringify(args.blocks ?? '').includes('hard expiry');
  } else {
    if (otherAt[channel] === undefined) {
      otherAt[channel] = at;
      otherText[channel] = String(args.text ?? '');
    }
    wake(channel);
  }
  return { channel, ts: `1700000000.${String(sequence).padStart(6, '0')}`, message: args };
});

// Not Slack methods. bench.waitFor answers once the requester was sent a message of their own
// (jitbot posts the approval before the receipt; a refusal comes alone), or after timeoutMs.
slack.on('bench.waitFor', (args) => {
  const requester = String(args.requester);
  if (otherAt[requester] !== undefined) return answerFor(requester);
  return new Promise((resolve) => {
    const answer = () => resolve(answerFor(requester));
    const timer = setTimeout(answer, Number(args.timeoutMs ?? 30_000));
    const list = waiters.get(requester) ?? [];
    list.push(() => {
      clearTimeout(timer);
      answer();
    });
    waiters.set(requester, list);
  });
});
slack.on('bench.posted', () => ({ approvalAt, showsPolicy, otherAt, otherText }));
process.stdout.write(`${slack.url}\n`);
process.on('SIGTERM', () => {
  for (const requester of [...waiters.keys()]) wake(requester);
  void slack.close().then(() => process.exit(0));
});
