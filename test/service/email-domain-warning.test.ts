import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { EXAMPLE_CATALOG, serviceEnv, startServiceProcess, stopProcess } from '../support/service-process.js';

let database: TestDatabase;
let slack: FakeSlack;
beforeAll(async () => {
  database = await createTestDatabase();
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack?.close();
  await database?.drop();
});

/** The example catalog without settings.allowedEmailDomains. */
function catalogWithoutDomains(): string {
  const catalog = parse(readFileSync(EXAMPLE_CATALOG, 'utf8')) as { settings: Record<string, unknown> };
  delete catalog.settings.allowedEmailDomains;
  const file = join(mkdtempSync(join(tmpdir(), 'jitbot-domains-')), 'jitbot.yaml');
  writeFileSync(file, stringify(catalog));
  return file;
}

describe('start-up', () => {
  it('warns, with the fix, when accounts find people by their Slack email and no email domains are set', async () => {
    const service = await startServiceProcess(
      serviceEnv({
        DATABASE_URL: database.url,
        SLACK_API_URL: slack.url,
        JITBOT_CATALOG: catalogWithoutDomains(),
      }),
    );
    try {
      await service.waitForOutput(/settings\.allowedEmailDomains is not set/);
      const line = service
        .output()
        .split('\n')
        .find((text) => text.includes('allowedEmailDomains is not set'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({
        level: expect.anything(),
        msg: expect.stringContaining(
          'To fix it, set settings.allowedEmailDomains to the email domains your company controls',
        ),
      });
    } finally {
      await stopProcess(service, 'SIGKILL');
    }
  });
});
