/**
 * /metrics on METRICS_PORT, scraped as Prometheus would while grants come and go: what an
 * operator alerts on (access left past its expiry, calls failing) must show, and be true.
 */
import { describe, expect, it, vi } from 'vitest';
import { grantSteps } from '../support/grant-steps.js';
import { PEOPLE, TEST_CATALOG_DATA } from '../support/test-catalog.js';
import { useJitbot, userIds } from '../support/use-jitbot.js';

const jitbot = useJitbot(TEST_CATALOG_DATA, { metrics: true });
const newUser = userIds('UMETRICS');
const { grantFor, expireNow } = grantSteps(() => jitbot, { approver: PEOPLE.approver1 });

async function scrape(): Promise<string> {
  const response = await fetch(jitbot.metricsUrl ?? '');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** The value of one sample, e.g. `jitbot_grants{status="active"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  it('counts live grants and every AWS call by action and outcome', async () => {
    await grantFor('prod-admin', newUser());
    const text = await scrape();
    expect(sample(text, 'jitbot_database_up')).toBe(1);
    expect(sample(text, 'jitbot_grants{status="active"}')).toBe(1);
    expect(sample(text, 'jitbot_revocations_overdue')).toBe(0);
    expect(sample(text, 'jitbot_provider_calls_total{action="aws.iam.AddUserToGroup",outcome="ok"}')).toBe(1);
    // The process's own figures come too: event loop delay is what the ack path feels.
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('shows access left past its expiry while a revocation keeps failing, and clears once it works', async () => {
    const grant = await grantFor('prod-admin', newUser());
    jitbot.aws.failNext('RemoveUserFromGroup', { code: 'ServiceUnavailable', status: 503, times: 1000 });
    await jitbot.database.pool.query(
      "UPDATE grants SET expires_at = now() - interval '5 minutes' WHERE id = $1",
      [grant.id],
    );
    await jitbot.wake();
    await vi.waitFor(
      async () => {
        const text = await scrape();
        expect(sample(text, 'jitbot_revocations_overdue')).toBe(1);
        expect(sample(text, 'jitbot_revocation_overdue_seconds')).toBeGreaterThanOrEqual(300);
        expect(
          sample(text, 'jitbot_provider_calls_total{action="aws.iam.RemoveUserFromGroup",outcome="error"}'),
        ).toBeGreaterThanOrEqual(1);
      },
      { timeout: 5_000 },
    );
    jitbot.aws.failNext('RemoveUserFromGroup', { code: 'ServiceUnavailable', status: 503, times: 0 });
    await expireNow(grant.id);
    await vi.waitFor(async () => expect(sample(await scrape(), 'jitbot_revocations_overdue')).toBe(0), {
      timeout: 15_000,
    });
  });

  it('answers nothing but GET /metrics on its port', async () => {
    const other = (jitbot.metricsUrl ?? '').replace(/\/metrics$/, '/slack/events');
    expect((await fetch(other, { method: 'POST' })).status).toBe(404);
  });
});
