/**
 * /readyz and /metrics as a prober or a scraper meets them, over real HTTP: bounded in time,
 * fixed words only, loopback by default, and one database read however many scrapes arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessReport } from '../../src/db/database.js';
import type { Queryable } from '../../src/db/pool.js';
import { healthRoutes } from '../../src/http/health-routes.js';
import { createHttpServer, type HttpServer } from '../../src/http/http-server.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/service-process.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});
afterAll(() => database?.drop());

async function serveHealth(readiness: () => Promise<ReadinessReport>, slackProblem?: string) {
  const server = createHttpServer({
    routes: healthRoutes({
      readiness,
      shuttingDown: () => false,
      slackProblem: () => slackProblem,
      logger: silentLogger,
      timeoutMs: 300,
    }),
    logger: silentLogger,
    portInUse: String,
  });
  await server.listen(0, '127.0.0.1');
  return { server, url: `http://127.0.0.1:${server.port()}/readyz` };
}

describe('/readyz', () => {
  let server: HttpServer | undefined;
  afterAll(() => server?.close(0));

  it('answers 503 within its deadline when the database never answers', async () => {
    const health = await serveHealth(() => new Promise<ReadinessReport>(() => undefined));
    server = health.server;
    const started = Date.now();
    const response = await fetch(health.url);
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await response.json()).toEqual({ status: 'not ready', problems: ['database not answering'] });
    await health.server.close(0);
  });

  it("says fixed words, never the server's error with its host and user", async () => {
    const health = await serveHealth(async () => ({
      ready: false,
      problems: [
        'database unreachable: password authentication failed for user "jitbot" at db.internal:5432',
      ],
      publicProblems: ['database unreachable'],
    }));
    const response = await fetch(health.url);
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(text).not.toMatch(/password|jitbot|db\.internal/);
    expect(JSON.parse(text)).toEqual({ status: 'not ready', problems: ['database unreachable'] });
    await health.server.close(0);
  });

  it('is not ready until Slack has named the workspace', async () => {
    const health = await serveHealth(
      async () => ({ ready: true, problems: [], publicProblems: [] }),
      'Slack workspace not yet confirmed (auth.test)',
    );
    const response = await fetch(health.url);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { problems: string[] }).problems).toEqual([
      'Slack workspace not yet confirmed (auth.test)',
    ]);
    await health.server.close(0);
  });
});

describe('/metrics', () => {
  it('listens on loopback unless told otherwise, and reads the database once for a storm of scrapes', async () => {
    let queries = 0;
    const counting = {
      query: (...args: Parameters<Queryable['query']>) => {
        queries += 1;
        return (database.pool.query as (...a: unknown[]) => unknown)(...args);
      },
    } as unknown as Queryable;
    const metrics = createMetrics(counting, silentLogger, { cacheMs: 60_000 });
    const port = await freePort();
    await metrics.serve(port);
    try {
      expect(metrics.listening()).toBe(`127.0.0.1:${port}`);
      const scrapes = await Promise.all(
        Array.from({ length: 50 }, () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text())),
      );
      expect(scrapes.every((text) => text.includes('jitbot_database_up 1'))).toBe(true);
      expect(queries).toBe(1);
    } finally {
      await metrics.close();
    }
  });
});
