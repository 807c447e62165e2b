/**
 * The fake Slack Web API of the lifecycle benchmark, in a process of its own so its work does not
 * share the driver's event loop. It is the test suite's fake (real HTTP to the real WebClient in
 * jitbot) with three additions:
 * - users.info answers every user as a member with the email `<id in lower case>@example.com`;
 * - each chat.postMessage and chat.update is filed, timed, under the request it is about (the REQ
 *   id in the message; an update by the channel and ts of the message it changes);
 * - bench.* methods (not Slack's), long polls that answer once a lifecycle reached a step.
 * The approver's id is the first argument.
 */
import { startFakeSlack } from '../../test/support/fake-slack.js';
import { classify, donePoint, type RequestRecord, settledPoint } from './slack-record.js';

const approverId = process.argv[2] ?? 'UAPPROVER1';
const slack = await startFakeSlack();
const now = () => performance.timeOrigin + performance.now();
const REQUEST_ID = /REQ-[0-9A-Z]{8}/;

const requests = new Map<string, RequestRecord>();
const byMessage = new Map<string, string>();
/** The approval DM about each requester's request: when, and which request. */
const approvals = new Map<string, { requestId: string; at: number }>();
/** Long polls waiting, by what they wait for; each re-checks its condition on every change. */
const waiters = new Map<string, (() => boolean)[]>();
const totals = { posts: 0, updates: 0, unfiled: 0 };

function recordOf(requestId: string): RequestRecord {
  let record = requests.get(requestId);
  if (!record) {
    record = { posts: [] };
    requests.set(requestId, record);
  }
  return record;
}

function changed(key: string): void {
  const list = waiters.get(key);
  if (!list) return;
  const still = list.filter((check) => !check());
  if (still.length > 0) waiters.set(key, still);
  else waiters.delete(key);
}

/** Answers with `current()` once it is defined, or `{ timedOut: true }` after `timeoutMs`. */
function waitFor(key: string, current: () => object | undefined, timeoutMs: number): object {
  const answer = current();
  if (answer !== undefined) return answer;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs);
    const check = () => {
      const found = current();
      if (found === undefined) return false;
      clearTimeout(timer);
      resolve(found);
      return true;
    };
    waiters.set(key, [...(waiters.get(key) ?? []), check]);
  });
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
  totals.posts += 1;
  const channel = String(args.channel);
  const ts = `1700000000.${String(totals.posts).padStart(6, '0')}`;
  const whole = JSON.stringify(args);
  const requestId = REQUEST_ID.exec(whole)?.[0];
  if (requestId === undefined) {
    totals.unfiled += 1;
    return { channel, ts, message: {} };
  }
  const text = String(args.text ?? '');
  const kind = classify(channel === approverId, text);
  recordOf(requestId).posts.push({ index: totals.posts, at, kind, updates: [] });
  byMessage.set(`${channel}\n${ts}`, requestId);
  if (kind === 'approval') {
    // The approval message's text names the requester: "<@U...> asks for ...".
    const requester = /<@([UW][A-Z0-9]+)>/.exec(text)?.[1] ?? 'unknown';
    if (!approvals.has(requester)) approvals.set(requester, { requestId, at });
    changed(`approval:${requester}`);
  }
  changed(requestId);
  return { channel, ts, message: {} };
});

slack.on('chat.update', (args) => {
  const at = now();
  totals.updates += 1;
  const channel = String(args.channel);
  const ts = String(args.ts);
  const requestId = byMessage.get(`${channel}\n${ts}`);
  const index = Number(ts.split('.')[1]);
  if (requestId !== undefined) {
    const posted = recordOf(requestId).posts.find((candidate) => candidate.index === index);
    posted?.updates.push(at);
    changed(requestId);
  }
  return { channel, ts };
});

const timeoutOf = (args: Record<string, unknown>) => Number(args.timeoutMs ?? 60_000);

// The driver's long polls, one per step of a lifecycle.
slack.on('bench.approval', (args) => {
  const requester = String(args.requester);
  return waitFor(`approval:${requester}`, () => approvals.get(requester), timeoutOf(args)) as Record<
    string,
    unknown
  >;
});
slack.on('bench.settled', (args) => {
  const requestId = String(args.requestId);
  const current = () => {
    const at = settledPoint(recordOf(requestId));
    return at === undefined ? undefined : { at };
  };
  return waitFor(requestId, current, timeoutOf(args)) as Record<string, unknown>;
});
slack.on('bench.done', (args) => {
  const requestId = String(args.requestId);
  const after = Number(args.after);
  const current = () => {
    const at = donePoint(recordOf(requestId), after);
    return at === undefined ? undefined : { at };
  };
  return waitFor(requestId, current, timeoutOf(args)) as Record<string, unknown>;
});
slack.on('bench.record', (args) => ({ record: requests.get(String(args.requestId)) ?? null }));
slack.on('bench.totals', () => {
  const byKind: Record<string, { posted: number; updated: number }> = {};
  for (const record of requests.values())
    for (const posted of record.posts) {
      const kind = byKind[posted.kind] ?? { posted: 0, updated: 0 };
      kind.posted += 1;
      kind.updated += posted.updates.length;
      byKind[posted.kind] = kind;
    }
  return { ...totals, requests: requests.size, byKind };
});

process.stdout.write(`${slack.url}\n`);
process.on('SIGTERM', () => {
  void slack.close().then(() => process.exit(0));
});
