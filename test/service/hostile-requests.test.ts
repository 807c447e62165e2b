/**
 * Requests that once took the built service down, sent to the real process: a malformed path on
 * the health port in Socket Mode, and a signed `payload=null` over HTTP. The process must answer
 * them, stay up, and go on serving.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type ServiceProcess, SIGNING_SECRET, stopProcess } from '../support/service-process.js';
import { useServiceWorld } from '../support/service-world.js';
import { postSignedForm, postSignedJson } from '../support/slack-requests.js';

const world = useServiceWorld();

/** Sends `request` as raw bytes and resolves with the status line's code (0: no answer). */
function rawStatus(port: number, request: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', () => resolve(0));
  });
}

const MALFORMED_TARGETS = [
  '//',
  '//healthz',
  '///',
  '/%',
  '/%zz',
  'http://evil.example/healthz',
  '*',
  '/healthz/../readyz',
];

async function expectSurvives(service: ServiceProcess & { port: number }) {
  for (const target of MALFORMED_TARGETS) {
    const status = await rawStatus(
      service.port,
      `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect([400, 404], `GET ${target}`).toContain(status);
  }
  expect(await rawStatus(service.port, 'BLAH\r\n\r\n')).toBe(400);
  expect(
    await rawStatus(service.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`),
  ).toBe(431);
  expect((await fetch(`${service.baseUrl}/healthz`)).status).toBe(200);
  expect(service.child.exitCode).toBeNull();
}

describe('hostile requests against the running service', () => {
  it('in Socket Mode, answers malformed paths on the health port 400 or 404 and keeps running', async () => {
    const service = await world.startService({ SLACK_APP_TOKEN: 'xapp-1-test-token' });
    try {
      await expectSurvives(service);
      expect((await fetch(`${service.baseUrl}/slack/events`, { method: 'POST' })).status).toBe(404);
    } finally {
      expect((await stopProcess(service)).code).toBe(0);
    }
  });

  it('over HTTP, refuses a signed payload=null (and other non-objects) with 400 and keeps serving', async () => {
    const service = await world.startService();
    try {
      for (const payload of ['null', '[]', '1', '"text"', 'true', '{']) {
        const response = await postSignedForm(service.baseUrl, { payload }, { secret: SIGNING_SECRET });
        expect(response.status, `payload=${payload}`).toBe(400);
      }
      expect((await postSignedJson(service.baseUrl, null, { secret: SIGNING_SECRET })).status).toBe(400);
      const typeConfused = { type: 'block_actions', user: null, team: { id: 'TFAKE' }, actions: 'approve' };
      expect(
        (
          await postSignedForm(
            service.baseUrl,
            { payload: JSON.stringify(typeConfused) },
            { secret: SIGNING_SECRET },
          )
        ).status,
      ).toBe(400);
      await expectSurvives(service);
      await service.waitForOutput(/connected to Slack/);
      const help = await postSignedForm(
        service.baseUrl,
        {
          command: '/request-aws-access',
          text: 'help',
          user_id: 'UHOSTILE1',
          team_id: 'TFAKE',
          channel_id: 'C1',
        },
        { secret: SIGNING_SECRET },
      );
      expect(help.status).toBe(200);
      expect(await help.text()).toContain('/request-aws-access');
    } finally {
      expect((await stopProcess(service)).code).toBe(0);
    }
    expect(service.output()).not.toMatch(/"level":"(fatal)"/);
  });
});
