import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOT_TOKEN,
  EXAMPLE_VARIABLES,
  type ServiceProcess,
  SIGNING_SECRET,
  stopProcess,
} from '../support/service-process.js';
import { useServiceWorld } from '../support/service-world.js';
import { postSignedForm, postSignedJson } from '../support/slack-requests.js';

const world = useServiceWorld();
let service: ServiceProcess;

beforeAll(async () => {
  service = await world.startService();
});

// Runs before the world's own afterAll (hooks unwind in reverse): the service stops first.
afterAll(async () => {
  if (service) await stopProcess(service, 'SIGKILL');
});

describe('the running service', () => {
  it('answers /healthz', async () => {
    const response = await fetch(`${service.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready once the database answers and every migration is applied', async () => {
    const response = await fetch(`${service.baseUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
    const { rows } = await world.database.pool.query(
      'SELECT count(*)::int AS applied FROM jitbot_migrations',
    );
    expect(rows[0].applied).toBeGreaterThan(0);
  });

  it('checks its bot token with Slack at start-up, in the background', async () => {
    await service.waitForOutput(/connected to Slack/);
    expect(world.slack.callsTo('auth.test')[0]?.token).toBe(BOT_TOKEN);
  });

  it('accepts a correctly signed request', async () => {
    const response = await postSignedJson(
      service.baseUrl,
      { type: 'url_verification', challenge: 'challenge-123', token: 'legacy' },
      { secret: SIGNING_SECRET },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: 'challenge-123' });
  });

  it('answers 401 to a request signed with the wrong secret', async () => {
    const response = await postSignedForm(
      service.baseUrl,
      { command: '/request-aws-access', text: 'help', user_id: 'U1' },
      { secret: 'not-the-signing-secret' },
    );
    expect(response.status).toBe(401);
  });

  it('answers 401 to a correctly signed request whose timestamp is more than five minutes old', async () => {
    const response = await postSignedJson(
      service.baseUrl,
      { type: 'url_verification', challenge: 'replayed' },
      { secret: SIGNING_SECRET, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 },
    );
    expect(response.status).toBe(401);
  });

  it('logs structured JSON and never a secret', () => {
    const lines = service.output().trim().split('\n');
    const firstLog = lines.find((line) => line.startsWith('{'));
    expect(JSON.parse(firstLog ?? '{}')).toMatchObject({ level: 'info', service: 'jitbot' });
    for (const secret of [SIGNING_SECRET, BOT_TOKEN, ...Object.values(EXAMPLE_VARIABLES)]) {
      expect(service.output()).not.toContain(secret);
    }
  });

  it('on SIGTERM stops serving, closes the database and exits 0', async () => {
    const result = await stopProcess(service, 'SIGTERM');
    expect(result).toEqual({ code: 0, signal: null });
    expect(service.output()).toMatch(/"msg":"stopped"/);
    const { rows } = await world.database.pool.query(
      "SELECT count(*)::int AS connections FROM pg_stat_activity WHERE application_name = 'jitbot' AND datname = current_database()",
    );
    expect(rows[0].connections).toBe(0);
  });
});
