import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadCatalog } from '../../src/config/catalog.js';
import { buildAccount, buildCatalogData, ENV, parse, problemLines } from './catalog-builders.js';

const SCHEDULER = 'arn:aws:iam::111111111111:role/jitbot-scheduler';
const QUEUE = 'arn:aws:sqs:us-east-1:111111111111:jitbot-backstop-dlq';

describe("an account's dead-letter queue for its backstop schedules", () => {
  it('is optional, and read as written when it is an SQS queue ARN', () => {
    expect(
      parse(buildCatalogData({ accounts: [buildAccount({ schedulerRoleArn: SCHEDULER })] })).accounts[0],
    ).not.toHaveProperty('deadLetterArn');
    const catalog = parse(
      buildCatalogData({ accounts: [buildAccount({ schedulerRoleArn: SCHEDULER, deadLetterArn: QUEUE })] }),
    );
    expect(catalog.accounts[0]?.deadLetterArn).toBe(QUEUE);
  });

  it('takes queues in the GovCloud and China partitions beside roles of the same partition', () => {
    const accounts = [
      buildAccount({
        connectorRoleArn: 'arn:aws-us-gov:iam::111111111111:role/jitbot-connector',
        schedulerRoleArn: 'arn:aws-us-gov:iam::111111111111:role/jitbot-scheduler',
        region: 'us-gov-west-1',
        deadLetterArn: 'arn:aws-us-gov:sqs:us-gov-west-1:111111111111:dlq',
      }),
    ];
    expect(parse(buildCatalogData({ accounts })).accounts).toHaveLength(1);
  });

  it.each([
    ['a queue URL', 'https://sqs.us-east-1.amazonaws.com/111111111111/jitbot-backstop-dlq'],
    ['a FIFO queue', 'arn:aws:sqs:us-east-1:111111111111:jitbot-backstop-dlq.fifo'],
    ['an SNS topic', 'arn:aws:sns:us-east-1:111111111111:jitbot-backstop'],
    ['an account id that is not 12 digits', 'arn:aws:sqs:us-east-1:1111:jitbot-backstop-dlq'],
  ])('refuses %s, naming the path and saying what to write', (_what, value) => {
    const data = buildCatalogData({
      accounts: [buildAccount({ schedulerRoleArn: SCHEDULER, deadLetterArn: value })],
    });
    const [line] = problemLines(data);
    expect(line).toMatch(/^accounts\[0\]\.deadLetterArn: /);
    expect(line).toContain(
      'must be the ARN of a standard SQS queue, like arn:aws:sqs:us-east-1:123456789012:',
    );
  });

  it('needs the scheduler role whose schedules would use it', () => {
    const data = buildCatalogData({ accounts: [buildAccount({ deadLetterArn: QUEUE })] });
    expect(problemLines(data)).toEqual([
      'accounts[0].deadLetterArn: is set but schedulerRoleArn is not: without the scheduler role there are no backstop schedules whose failures could go to the queue; add schedulerRoleArn or remove deadLetterArn',
    ]);
  });

  it("must be in the partition of the account's roles", () => {
    const data = buildCatalogData({
      accounts: [
        buildAccount({
          schedulerRoleArn: SCHEDULER,
          deadLetterArn: 'arn:aws-cn:sqs:cn-north-1:111111111111:dlq',
        }),
      ],
    });
    expect(problemLines(data)).toEqual([
      "accounts[0].deadLetterArn: is in the partition aws-cn, but the account's roles are in aws: use a queue of the same partition (arn:aws:sqs:…)",
    ]);
  });

  it('stops start-up with the file and the path when it is not a queue ARN', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'jitbot-dlq-')), 'jitbot.yaml');
    const queueUrl = 'https://sqs.us-east-1.amazonaws.com/111111111111/dlq';
    writeFileSync(
      file,
      stringify(
        buildCatalogData({
          accounts: [buildAccount({ schedulerRoleArn: SCHEDULER, deadLetterArn: queueUrl })],
        }),
      ),
    );
    let message = '';
    try {
      loadCatalog(file, ENV);
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).toContain(file);
    expect(message).toMatch(/accounts\[0\]\.deadLetterArn: .*must be the ARN of a standard SQS queue/);
  });
});
