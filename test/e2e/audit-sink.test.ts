/**
 * The audit sink end to end: a jitbot replica started with AUDIT_SINK beside the one that serves
 * Slack, on the same database; a grant made through Slack; its events read back from the fake S3
 * bucket with the real S3 client (list, get), as an auditor would, and verified as a chain there.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/log/logger.js';
import { type RunningService, startService } from '../../src/main.js';
import { CREDENTIALS, readLine, type ShippedLine, verifyLines } from '../db/audit-sink-steps.js';
import { iamGroupTarget, opsAccount } from '../support/e2e-catalog.js';
import { grantSteps } from '../support/grant-steps.js';
import { freePort } from '../support/service-process.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const ACCOUNT = '333333333303';
const APPROVER = 'USINKAPPROVER';
const BUCKET = 'acme-jitbot-audit';
const CATALOG = {
  settings: { adminChannel: 'CSINKADMIN' },
  accounts: [opsAccount({ accountId: ACCOUNT, externalId: 'sink-external-id', scheduler: true })],
  targets: [
    iamGroupTarget('ops-admin', {
      name: 'Ops admin',
      account: 'ops',
      group: 'jit-ops-admin',
      approvers: [APPROVER],
    }),
  ],
};

const jitbot = useJitbot(CATALOG);
const steps = grantSteps(() => jitbot, { approver: APPROVER });
const requester = userIds('USINKREQ');
let shipper: RunningService | undefined;

beforeAll(async () => {
  jitbot.aws.s3.addBucket(BUCKET, { objectLock: { mode: 'COMPLIANCE', days: 2555 } });
  // The harness's own jitbot serves Slack; this replica, on the same database, also ships.
  const { AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, ...cli } = jitbot.cliEnv();
  const env = parseEnv({
    ...cli,
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
    AUDIT_SINK: `s3://${BUCKET}/jitbot/prod`,
    AUDIT_SINK_REGION: AWS_REGION,
  });
  shipper = await startService({
    env,
    variables: {},
    logger: createLogger(env.LOG_LEVEL),
    aws: { endpoint: AWS_ENDPOINT_URL, credentials: CREDENTIALS },
    drift: false,
  });
  expect(AWS_ACCESS_KEY_ID).toBe(CREDENTIALS.accessKeyId);
  expect(AWS_SECRET_ACCESS_KEY).toBeDefined();
});
afterAll(async () => {
  await shipper?.stop();
});

/** Every line in the bucket under `prefix`, read with the S3 client alone. */
async function readBucket(prefix: string): Promise<{ keys: string[]; lines: ShippedLine[] }> {
  const s3 = new S3Client({
    endpoint: jitbot.cliEnv().AWS_ENDPOINT_URL,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((object) => object.Key ?? '');
    const lines: ShippedLine[] = [];
    for (const key of keys) {
      const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const text = (await object.Body?.transformToString('utf8')) ?? '';
      lines.push(...text.split('\n').filter(Boolean).map(readLine));
    }
    return { keys, lines };
  } finally {
    s3.destroy();
  }
}

describe('AUDIT_SINK', () => {
  it("ships a grant's events to the bucket within seconds, as a chain an auditor verifies from the bucket alone", async () => {
    const requestId = await steps.ask('ops-admin', requester());
    // The first request of a fresh world, two replicas starting: give its approval post time.
    await vi.waitFor(() => expect(steps.approvalPostsAbout(requestId)).not.toEqual([]), { timeout: 10_000 });
    await steps.approve(requestId);
    await steps.untilActive(requestId);
    let shipped: { keys: string[]; lines: ShippedLine[] } = { keys: [], lines: [] };
    await vi.waitFor(
      async () => {
        shipped = await readBucket('jitbot/prod/');
        const actions = shipped.lines
          .filter((line) => line.record.request_id === requestId)
          .map((line) => line.record.action);
        expect(actions).toEqual(expect.arrayContaining(['aws.iam.AddUserToGroup']));
        expect(actions.some((action) => String(action).startsWith('grant.'))).toBe(true);
      },
      { timeout: 40_000, interval: 500 },
    );

    for (const key of shipped.keys) expect(key).toMatch(/^jitbot\/prod\/\d{12}-\d{12}-[0-9a-f]{64}\.jsonl$/);
    const seqs = verifyLines(shipped.lines);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const puts = jitbot.aws.s3.callsTo('PutObject');
    expect(puts.every((call) => call.accessKeyId === CREDENTIALS.accessKeyId)).toBe(true);
  });
});
