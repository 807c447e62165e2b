import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOT_TOKEN, runCli, SIGNING_SECRET, serviceEnv } from '../support/service-process.js';

async function failedStart(env: Record<string, string | undefined>, cwd?: string) {
  const run = runCli(['serve'], env, cwd);
  const result = await run.exited;
  return { code: result.code, output: run.output() };
}

describe('start-up with bad configuration', () => {
  it('with no environment at all, exits 1 naming each missing variable, without a stack trace', async () => {
    const { code, output } = await failedStart({});
    expect(code).toBe(1);
    expect(output).toContain('SLACK_SIGNING_SECRET is required');
    expect(output).toContain('SLACK_BOT_TOKEN is required');
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('reads missing variables from .env in the working directory', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'jitbot-dotenv-cwd-'));
    writeFileSync(join(cwd, '.env'), `SLACK_SIGNING_SECRET=${SIGNING_SECRET}\nPORT=not-a-port\n`);
    const { code, output } = await failedStart({ SLACK_BOT_TOKEN: BOT_TOKEN }, cwd);
    expect(code).toBe(1);
    expect(output).toContain('PORT must be a whole number');
    expect(output).not.toContain('SLACK_SIGNING_SECRET');
  });

  it('with a broken catalog, exits 1 naming the file, the field and the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jitbot-bad-catalog-'));
    const catalog = join(dir, 'broken.yaml');
    writeFileSync(
      catalog,
      [
        'settings: { adminChannel: C0ADMIN1 }',
        'accounts: []',
        'targets:',
        '  - id: prod-admin',
        '    name: Prod admin',
        '    kind: aws-iam-group',
        '    account: prod',
        '    group: jit-admin',
        '    durations: { default: 1h, max: 4 hours }',
        '    approvers: { users: [U0APPROVER] }',
      ].join('\n'),
    );
    const { code, output } = await failedStart(serviceEnv({ JITBOT_CATALOG: catalog }));
    expect(code).toBe(1);
    expect(output).toContain(catalog);
    expect(output).toContain('targets[0].durations.max');
    expect(output).toMatch(/e\.g\. 15m, 2h/);
    expect(output).toContain('targets[0].account');
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('with a missing catalog file, says how to create one', async () => {
    const { code, output } = await failedStart(serviceEnv({ JITBOT_CATALOG: '/nonexistent/jitbot.yaml' }));
    expect(code).toBe(1);
    expect(output).toContain('/nonexistent/jitbot.yaml not found');
    expect(output).toContain('JITBOT_CATALOG');
  });

  it('with an unreachable DATABASE_URL, exits 1 saying where it tried, never the password', async () => {
    const { code, output } = await failedStart(
      serviceEnv({ DATABASE_URL: 'postgres://jitbot:pa55word@127.0.0.1:1/jitbot' }),
    );
    expect(code).toBe(1);
    expect(output).toContain('could not connect to PostgreSQL at 127.0.0.1:1/jitbot');
    expect(output).not.toContain('pa55word');
  });
});
