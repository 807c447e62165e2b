/**
 * One bench request for a generated policy, from the signed form submission to the messages
 * Slack was asked to post, and where its time went by the fake AWS's own timestamps.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { sessionNameFor } from '../../src/aws/connector.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { VIEWS } from '../../src/slack/ids.js';
import { formValues } from '../../test/support/request-form.js';
import { SIGNING_SECRET } from '../../test/support/service-process.js';
import type { createFormPoster } from './form-poster.js';
import { iamUserOf, permissionLines, requesterId, TARGET_ID } from './generated-policy-catalog.js';
import { epochNow, type TimedFakeAws } from './timed-fake-aws.js';

const JUSTIFICATION = 'Benchmark: reading team A logs for an incident';
/** Longer than any request should take; a request that has not reached anyone by then is reported. */
const REPLY_TIMEOUT_MS = 30_000;

/** Epoch milliseconds (fractional), this process's clock or the fake Slack's. */
export interface Sent {
  readonly requester: string;
  readonly sentAt: number;
  readonly ackedAt: number;
  /** The form came back with errors (or not 200): the request was refused at submission. */
  readonly refusal?: string;
  readonly approvalAt?: number;
  /** The requester's own first message: the receipt, or a refusal after submission. */
  readonly otherAt?: number;
  readonly otherText?: string;
}

export async function submitForm(
  poster: ReturnType<typeof createFormPoster>,
  url: string,
  index: number,
): Promise<Sent> {
  const requester = requesterId(index);
  const payload = {
    type: 'view_submission',
    user: { id: requester },
    team: { id: 'TFAKE' },
    api_app_id: 'AJITBOT',
    trigger_id: `trigger.${index}`,
    view: {
      id: `VBENCH${index}`,
      callback_id: VIEWS.request,
      hash: 'h1',
      private_metadata: '',
      state: { values: formValues(TARGET_ID, '3600', JUSTIFICATION, '', permissionLines(index)) },
    },
  };
  const sentAt = epochNow();
  const answer = await poster.post(url, { payload: JSON.stringify(payload) }, SIGNING_SECRET);
  const ackedAt = epochNow();
  const refused = answer.status !== 200 || answer.body.trim() !== '';
  return { requester, sentAt, ackedAt, ...(refused ? { refusal: `${answer.status} ${answer.body}` } : {}) };
}

/** Waits (in the fake Slack, no polling) until the requester was sent a message of their own. */
export async function waitForReply(slackUrl: string, requester: string): Promise<Partial<Sent>> {
  const response = await fetch(`${slackUrl}bench.waitFor`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ requester, timeoutMs: REPLY_TIMEOUT_MS }),
  });
  const answer = (await response.json()) as {
    approvalAt: number | null;
    otherAt: number | null;
    otherText: string | null;
  };
  return {
    ...(answer.approvalAt === null ? {} : { approvalAt: answer.approvalAt }),
    ...(answer.otherAt === null ? {} : { otherAt: answer.otherAt }),
    ...(answer.otherAt !== null && answer.approvalAt === null ? { otherText: answer.otherText ?? '' } : {}),
  };
}

/**
 * Each approved request's time split at the fake AWS's answers to the preparation's calls:
 * the session jitbot assumed for the request, and GetUser of the requester's IAM user.
 */
export function phaseSpreads(
  approved: readonly Sent[],
  fake: TimedFakeAws,
  requestIds: ReadonlyMap<string, string>,
): [string, number[]][] {
  const assumedAt = new Map<string, number>();
  const userAt = new Map<string, number>();
  for (const { call, at } of fake.timed) {
    const session = call.params.RoleSessionName;
    const user = call.params.UserName;
    if (call.action === 'AssumeRole' && typeof session === 'string' && !assumedAt.has(session))
      assumedAt.set(session, at);
    if (call.action === 'GetUser' && call.status === 200 && typeof user === 'string' && !userAt.has(user))
      userAt.set(user, at);
  }
  const phases: [string, number[]][] = [
    ['submit -> ack (checked, generated, simulated, saved)', []],
    ['ack -> AssumeRole (job claimed, users.info)', []],
    ['AssumeRole -> GetUser (the IAM user found)', []],
    ['GetUser -> approval message (saved, job, posted)', []],
  ];
  for (const one of approved) {
    const requestId = requestIds.get(one.requester);
    const assumed = requestId === undefined ? undefined : assumedAt.get(sessionNameFor(requestId));
    const found = userAt.get(iamUserOf(one.requester));
    phases[0]?.[1].push(one.ackedAt - one.sentAt);
    if (assumed === undefined || found === undefined || one.approvalAt === undefined) continue;
    phases[1]?.[1].push(assumed - one.ackedAt);
    phases[2]?.[1].push(found - assumed);
    phases[3]?.[1].push(one.approvalAt - found);
  }
  return phases.filter(([, values]) => values.length > 0);
}

const run = promisify(execFile);

export interface PolicyStartCost {
  /** Importing jitbot's policy modules and the catalog check: every catalog pays this. */
  readonly importMs: number;
  readonly importMb: number;
  /** What start-up does for a catalog with a generated-policy target: load the action data, check the bounds. */
  readonly checkMs: number;
  readonly checkMb: number;
}

/**
 * The start-up cost of the action data measured alone, in a bare node each round (medians of
 * `rounds`): the end-to-end start-up figures vary by more than it between runs.
 */
export async function policyStartCost(catalogPath: string, rounds: number): Promise<PolicyStartCost> {
  const module = (path: string) => JSON.stringify(pathToFileURL(join(PACKAGE_ROOT, 'dist', path)).href);
  const script = `const mb = () => process.memoryUsage.rss() / 1048576;
const rss = mb(); let t = performance.now();
const { loadCatalog } = await import(${module('config/catalog.js')});
const { warmActionData } = await import(${module('policy/action-data.js')});
const { checkGeneratedPolicyTargets } = await import(${module('config/catalog-generated-policy-actions.js')});
await import(${module('policy/generate-policy.js')});
const importMs = performance.now() - t; const importMb = mb() - rss;
const catalog = loadCatalog(process.argv[1], {});
const loaded = mb(); t = performance.now();
await warmActionData();
await checkGeneratedPolicyTargets(catalog, process.argv[1]);
console.log(JSON.stringify({ importMs, importMb, checkMs: performance.now() - t, checkMb: mb() - loaded }));`;
  const samples: PolicyStartCost[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, catalogPath]);
    samples.push(JSON.parse(stdout) as PolicyStartCost);
  }
  const middle = (pick: (sample: PolicyStartCost) => number) =>
    samples.map(pick).sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? Number.NaN;
  return {
    importMs: middle((s) => s.importMs),
    importMb: middle((s) => s.importMb),
    checkMs: middle((s) => s.checkMs),
    checkMb: middle((s) => s.checkMb),
  };
}
