import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { serviceEnv, startServiceProcess, stopProcess } from '../support/service-process.js';

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

describe('Socket Mode', () => {
  it('serves /healthz and /readyz on PORT while it connects to Slack, and still shuts down cleanly', async () => {
    // apps.connections.open answers without a WebSocket URL, so the connection keeps retrying.
    const service = await startServiceProcess(
      serviceEnv({
        DATABASE_URL: database.url,
        SLACK_API_URL: slack.url,
        SLACK_APP_TOKEN: 'xapp-1-test-token',
      }),
    );
    try {
      expect((await fetch(`${service.baseUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${service.baseUrl}/readyz`)).status).toBe(200);
      await service.waitForOutput(/"mode":"socket"/);
      expect(slack.callsTo('apps.connections.open')[0]?.token).toBe('xapp-1-test-token');
    } finally {
      const exit = await stopProcess(service, 'SIGTERM');
      expect(exit.code).toBe(0);
    }
    expect(service.output()).not.toContain('xapp-1-test-token');
  });
});
