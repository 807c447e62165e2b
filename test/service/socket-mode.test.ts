import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { startFakeSocketMode } from '../support/fake-socket-mode.js';
import { runCli, startServiceProcess, stopProcess } from '../support/service-process.js';
import { useServiceWorld } from '../support/service-world.js';

const world = useServiceWorld();

/** The service in Socket Mode, against this file's database and fake Slack. */
function socketModeEnv(extra: Record<string, string> = {}) {
  return world.env({ SLACK_APP_TOKEN: 'xapp-1-test-token', ...extra });
}

describe('Socket Mode', () => {
  it('serves /healthz on PORT while it connects to Slack, /readyz says not ready until connected, and it still shuts down cleanly', async () => {
    // apps.connections.open answers without a WebSocket URL, so the connection keeps retrying.
    const service = await startServiceProcess(socketModeEnv());
    try {
      expect((await fetch(`${service.baseUrl}/healthz`)).status).toBe(200);
      // Once the workspace is confirmed, what keeps it from being ready is the missing socket.
      await vi.waitFor(async () => {
        const ready = await fetch(`${service.baseUrl}/readyz`);
        expect(ready.status).toBe(503);
        expect(await ready.text()).toContain('Socket Mode connection to Slack is down');
      }, 10_000);
      await service.waitForOutput(/"mode":"socket"/);
      expect(world.slack.callsTo('apps.connections.open')[0]?.token).toBe('xapp-1-test-token');
    } finally {
      const exit = await stopProcess(service, 'SIGTERM');
      expect(exit.code).toBe(0);
    }
    expect(service.output()).not.toContain('xapp-1-test-token');
  });

  it('answers over a real socket, and on SIGTERM closes it and exits 0 without logging an error', async () => {
    const socket = await startFakeSocketMode();
    world.slack.on('apps.connections.open', () => ({ url: socket.url }));
    const service = await startServiceProcess(socketModeEnv());
    try {
      const ack = await socket.deliver('slash_commands', {
        command: '/request-aws-access',
        text: 'help',
        user_id: 'USOCKETCLI1',
        team_id: 'TFAKE',
        channel_id: 'CGENERAL',
        trigger_id: 'trigger.cli.1',
        response_url: `${world.slack.url}response/cli-1`,
      });
      expect(JSON.stringify(ack.payload)).toContain('/request-aws-access');
    } finally {
      const exit = await stopProcess(service, 'SIGTERM');
      expect(exit.code).toBe(0);
      await socket.close();
    }
    const errors = service
      .output()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    expect(errors).toEqual([]);
  });

  it('with PORT already in use, says so and exits 1 instead of crashing', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, resolve));
    const address = squatter.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const service = runCli(['serve'], socketModeEnv({ PORT: String(port) }));
      const exit = await service.exited;
      expect(exit.code).toBe(1);
      expect(service.output()).toContain(`port ${port} is already in use: stop what uses it, or set PORT`);
      expect(service.output()).not.toContain('EADDRINUSE');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
