import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { runCli, serviceEnv, startServiceProcess, stopProcess } from '../support/service-process.js';

let slack: FakeSlack;
let root: string;
beforeAll(async () => {
  slack = await startFakeSlack();
  root = mkdtempSync(join(tmpdir(), 'jitbot-embedded-'));
  // mkdtemp makes it private; as root the embedded PostgreSQL runs as another user and must pass.
  chmodSync(root, 0o755);
});
afterAll(async () => {
  await slack.close();
  rmSync(root, { recursive: true, force: true });
});

/** The embedded server listens only on a Unix socket in the data directory. */
async function withEmbeddedClient<T>(dataDir: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: join(dataDir, 'run'),
    port: 5432,
    user: 'postgres',
    database: 'jitbot',
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('the embedded database (no DATABASE_URL)', () => {
  it('creates its data directory, and serves /healthz and /readyz', async () => {
    const dataDir = join(root, 'fresh');
    const service = await startServiceProcess(
      serviceEnv({ JITBOT_DATA_DIR: dataDir, SLACK_API_URL: slack.url }),
    );
    try {
      expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
      const ready = await fetch(`${service.baseUrl}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      expect(await stopProcess(service)).toEqual({ code: 0, signal: null });
    }
  });

  it('refuses a second process on the same data directory, and says what to do', async () => {
    const dataDir = join(root, 'shared');
    const first = await startServiceProcess(
      serviceEnv({ JITBOT_DATA_DIR: dataDir, SLACK_API_URL: slack.url }),
    );
    try {
      const second = runCli(
        ['serve'],
        serviceEnv({ JITBOT_DATA_DIR: dataDir, PORT: String(first.port + 1) }),
      );
      expect((await second.exited).code).toBe(1);
      expect(second.output()).toContain(
        `another jitbot process is already using the embedded database in ${dataDir}`,
      );
      expect(second.output()).toContain('JITBOT_DATA_DIR');
      expect((await fetch(`${first.baseUrl}/readyz`)).status).toBe(200);
    } finally {
      await stopProcess(first);
    }
  });

  it('survives a killed process: the next start recovers and keeps every row', async () => {
    const dataDir = join(root, 'killed');
    const env = serviceEnv({ JITBOT_DATA_DIR: dataDir, SLACK_API_URL: slack.url });
    const first = await startServiceProcess(env);
    await withEmbeddedClient(dataDir, (client) =>
      client.query(
        "INSERT INTO audit_events (actor, action, outcome) VALUES ('U1', 'test.before-kill', 'ok')",
      ),
    );
    expect(await stopProcess(first, 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    const second = await startServiceProcess(env);
    try {
      expect((await fetch(`${second.baseUrl}/readyz`)).status).toBe(200);
      const rows = await withEmbeddedClient(dataDir, async (client) => {
        const result = await client.query("SELECT actor FROM audit_events WHERE action = 'test.before-kill'");
        return result.rows;
      });
      expect(rows).toEqual([{ actor: 'U1' }]);
    } finally {
      expect(await stopProcess(second)).toEqual({ code: 0, signal: null });
    }
  });
});
