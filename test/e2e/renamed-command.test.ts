import { execFile } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { CLI } from '../support/service-process.js';
import { TEST_CATALOG_DATA } from '../support/test-catalog.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

/** A staging app beside production in one workspace: its command has another name. */
const STAGING = '/request-aws-access-staging';
const jitbot = useJitbot(TEST_CATALOG_DATA, { slackCommand: STAGING });
const newUser = userIds('URENAMED');

function manifest(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'manifest', ...args],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

describe('SLACK_COMMAND renames the slash command', () => {
  it('a request made with the renamed command is granted, and the replies name that command', async () => {
    const requester = newUser();
    const help = await jitbot.command('help', requester);
    expect(help.body).toContain(STAGING);
    expect(help.body).not.toContain('/request-aws-access ');

    const { responseUrl } = await jitbot.command('prod-readonly 1h staging smoke test', requester);
    await vi.waitFor(
      () => expect(JSON.stringify(jitbot.responses(responseUrl))).toMatch(/approved automatically/),
      5_000,
    );
    await vi.waitFor(
      () =>
        expect(jitbot.aws.account('111111111111').isMember('jit-prod-ro', requester.toLowerCase())).toBe(
          true,
        ),
      5_000,
    );

    const status = await jitbot.command('cancel', requester);
    await vi.waitFor(() =>
      expect(JSON.stringify(jitbot.responses(status.responseUrl))).toContain(`${STAGING} cancel REQ-`),
    );
  });

  it('jitbot manifest prints a manifest that declares the renamed command, at the given URL', async () => {
    const http = await manifest(['--url', 'https://jitbot-staging.example.org'], { SLACK_COMMAND: STAGING });
    expect(http.code).toBe(0);
    const parsed = parse(http.out) as {
      features: { slash_commands: { command: string; url: string }[] };
      settings: { interactivity: { request_url: string } };
    };
    expect(parsed.features.slash_commands.map((command) => command.command)).toEqual([STAGING]);
    expect(parsed.features.slash_commands[0]?.url).toBe('https://jitbot-staging.example.org/slack/events');
    expect(parsed.settings.interactivity.request_url).toBe('https://jitbot-staging.example.org/slack/events');

    const socket = await manifest(['--socket-mode'], { SLACK_COMMAND: STAGING });
    expect(socket.code).toBe(0);
    expect(socket.out).toContain(`command: ${STAGING}`);
    expect(socket.out).toContain('socket_mode_enabled: true');
  });

  it('jitbot manifest refuses a command name Slack would refuse, saying the rule', async () => {
    const refused = await manifest([], { SLACK_COMMAND: '/Request AWS' });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      'SLACK_COMMAND must be a slash command name like /request-aws-access-staging',
    );
  });
});
