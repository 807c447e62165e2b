/**
 * A hung PostgreSQL (frozen with SIGSTOP, or behind a silent partition) must fail jitbot's
 * queries within bounded time, and the worker must back off and resume by itself once the server
 * answers again. The shared server is never stopped: a proxy between the pool and it is frozen.
 */
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createPool,
  DATABASE_TIMEOUTS,
  type DatabaseTimeouts,
  inTransaction,
  MIGRATION_TIMEOUTS,
} from '../../src/db/pool.js';
import { createPostgresRequestStores } from '../../src/db/request-stores.js';
import { newGrantId, newRequestId } from '../../src/domain/request-id.js';
import { createRevocationSource } from '../../src/jobs/revocation-source.js';
import { createWorker, outageBackoffMs, type Worker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/log/logger.js';
import { applyGrant } from '../../src/workflow/apply-grant.js';
import { decideRequest } from '../../src/workflow/decide-request.js';
import type { GrantWorkflowDeps } from '../../src/workflow/grant-deps.js';
import { prepareRequest } from '../../src/workflow/prepare-request.js';
import { submitRequest } from '../../src/workflow/submit-request.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/database.js';
import { type FreezableProxy, startFreezableProxy, type Upstream } from '../support/freezable-proxy.js';
import { MemoryProvider } from '../support/memory-provider.js';
import { PEOPLE, testCatalog, testMembers } from '../support/test-catalog.js';

/** Short, so the tests wait seconds, not the production 5 s / 15 s / 20 s. */
const TIMEOUTS: DatabaseTimeouts = { connectMs: 700, statementMs: 400, queryMs: 700 };

let database: TestDatabase;
let proxy: FreezableProxy;
const pools: pg.Pool[] = [];
const workers: Worker[] = [];

/** host and port (or socket directory) of the test database, whichever way it was given. */
function upstreamOf(config: pg.PoolConfig): Upstream & { user?: string; database?: string } {
  if (config.connectionString) {
    const url = new URL(config.connectionString);
    const socket = url.searchParams.get('host');
    return {
      host: socket ?? url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      database: url.pathname.slice(1),
    };
  }
  return {
    host: String(config.host),
    port: Number(config.port ?? 5432),
    ...(config.user ? { user: config.user } : {}),
    ...(config.database ? { database: config.database } : {}),
  };
}

/** A pool with short timeouts that reaches the test database through the proxy. */
function proxiedPool(max = 4): pg.Pool {
  const { user, database: name } = upstreamOf(database.config);
  const pool = createPool(
    { host: '127.0.0.1', port: proxy.port, user, database: name },
    silentLogger,
    max,
    TIMEOUTS,
  );
  pools.push(pool);
  return pool;
}

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  proxy = await startFreezableProxy(upstreamOf(database.config));
});
afterEach(async () => {
  proxy.thaw();
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await Promise.all(pools.splice(0).map((pool) => pool.end().catch(() => undefined)));
});
afterAll(async () => {
  await proxy.close();
  await database.drop();
});

async function elapsed<T>(work: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await work();
    return { ms: Date.now() - started, error: undefined };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

describe('the timeouts jitbot asks for', () => {
  it('the run-time pool has the server cancel statements after 15 s; migrations may take 10 minutes', async () => {
    const runtime = createPool(database.config, silentLogger, 1);
    const migrations = createPool(database.config, silentLogger, 1, MIGRATION_TIMEOUTS);
    pools.push(runtime, migrations);
    expect((await runtime.query('SHOW statement_timeout')).rows[0]).toEqual({ statement_timeout: '15s' });
    expect((await migrations.query('SHOW statement_timeout')).rows[0]).toEqual({
      statement_timeout: '10min',
    });
    // The client gives up later than the server would, so a slow statement is cancelled cleanly.
    expect(DATABASE_TIMEOUTS.queryMs).toBeGreaterThan(DATABASE_TIMEOUTS.statementMs);
    expect(MIGRATION_TIMEOUTS.queryMs).toBeGreaterThan(MIGRATION_TIMEOUTS.statementMs);
  });
});

describe('the pool against a server that stops answering', () => {
  it('a query on an open connection fails within query_timeout, then works after the thaw', async () => {
    const pool = proxiedPool();
    await pool.query('SELECT 1');
    proxy.freeze();
    const frozen = await elapsed(() => pool.query('SELECT 1'));
    expect(frozen.error).toBeInstanceOf(Error);
    expect(String(frozen.error)).toContain('timeout');
    expect(frozen.ms).toBeLessThan(TIMEOUTS.queryMs + 1000);
    proxy.thaw();
    await expect(pool.query('SELECT 2 AS n')).resolves.toMatchObject({ rows: [{ n: 2 }] });
  });

  it('a new connection fails within the connect timeout', async () => {
    const pool = proxiedPool();
    proxy.freeze();
    const frozen = await elapsed(() => pool.query('SELECT 1'));
    expect(String(frozen.error)).toMatch(/timeout/i);
    expect(frozen.ms).toBeLessThan(TIMEOUTS.connectMs + 1000);
  });

  it('a statement that runs longer than statement_timeout is cancelled by the server', async () => {
    const pool = proxiedPool();
    const slow = await elapsed(() => pool.query('SELECT pg_sleep(5)'));
    expect(slow.error).toMatchObject({ code: '57014' });
    expect(slow.ms).toBeLessThan(TIMEOUTS.queryMs);
    // The server cancelled it: the connection is still good.
    await expect(pool.query('SELECT 1 AS n')).resolves.toMatchObject({ rows: [{ n: 1 }] });
  });

  it('a transaction that timed out closes its connection instead of handing it on stuck', async () => {
    const pool = proxiedPool(1);
    await pool.query('SELECT 1');
    proxy.freeze();
    const frozen = await elapsed(() => inTransaction(pool, (client) => client.query('SELECT 1')));
    expect(String(frozen.error)).toContain('Query read timeout');
    // One timeout, not two: no ROLLBACK queued behind a statement that will never be answered.
    expect(frozen.ms).toBeLessThan(TIMEOUTS.queryMs + 300);
    expect(pool.totalCount).toBe(0);
    proxy.thaw();
    // With max 1, a stuck connection handed back would make this wait behind the old query.
    await expect(inTransaction(pool, (client) => client.query('SELECT 3 AS n'))).resolves.toMatchObject({
      rows: [{ n: 3 }],
    });
  });
});

describe('a connection the server ends in the middle of a transaction', () => {
  it('fails that transaction, is not handed on, and is no uncaught exception', async () => {
    const pool = createPool(database.config, silentLogger, 1);
    pools.push(pool);
    const transaction = inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // An admin ends it (as the soak's connection cut does) while the transaction waits between
      // statements, on an AWS call say.
      await database.pool.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      await new Promise((resolve) => client.once('end', resolve));
      return client.query('SELECT 1');
    });
    await expect(transaction).rejects.toThrow();
    // With max 1, a dead connection handed back would fail this too.
    await expect(inTransaction(pool, (client) => client.query('SELECT 2 AS n'))).resolves.toMatchObject({
      rows: [{ n: 2 }],
    });
  });
});

/** Log lines as objects, for counting what the worker said. */
function capturingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const logger = createLogger('debug', {
    write: (line: string) => void lines.push(JSON.parse(line) as { level: string; msg: string }),
  });
  return { logger, lines };
}

async function activeGrant(deps: GrantWorkflowDeps, requesterId: string): Promise<string> {
  const people = {
    lookup: async (userId: string) => ({
      userId,
      email: `${userId.toLowerCase()}@example.com`,
      inactive: false,
    }),
  };
  const stores = createPostgresRequestStores(deps.pool);
  const workflows = { ...deps, stores, newRequestId };
  const outcome = await submitRequest(workflows, {
    requesterId,
    targetId: 'prod-admin',
    duration: '1h',
    justification: 'testing a database outage',
  });
  if (outcome.type !== 'submitted') throw new Error(outcome.type);
  await prepareRequest({ ...deps, stores, people }, outcome.request.id, 1);
  await decideRequest(workflows, {
    requestId: outcome.request.id,
    actorId: PEOPLE.approver1,
    decision: 'approve',
  });
  expect(await applyGrant(deps, outcome.request.id, 1)).toEqual({ status: 'done' });
  const { rows } = await database.pool.query('SELECT grant_id FROM requests WHERE id = $1', [
    outcome.request.id,
  ]);
  return String(rows[0]?.grant_id);
}

const grantStatus = async (id: string) =>
  (await database.pool.query('SELECT status FROM grants WHERE id = $1', [id])).rows[0]?.status;

describe('the worker during a database outage', () => {
  it('backs off, logs the outage once, and revokes a grant that fell due once the database answers, without a restart', async () => {
    const provider = new MemoryProvider();
    const direct: GrantWorkflowDeps = {
      pool: database.pool,
      catalog: testCatalog(),
      providers: { 'aws-iam-group': provider },
      members: testMembers,
      newGrantId,
      random: () => 0,
    };
    const grantId = await activeGrant(direct, 'UOUTAGE1');
    const pool = proxiedPool();
    const { logger, lines } = capturingLogger();
    const worker = createWorker({
      pool,
      sources: [createRevocationSource({ ...direct, pool }, logger)],
      logger,
      maxIdleMs: 100,
    });
    workers.push(worker);
    worker.start();

    proxy.freeze();
    // Due now, written past the proxy: only the worker's side of the database is hung.
    await database.pool.query("UPDATE grants SET expires_at = now() - interval '1 second' WHERE id = $1", [
      grantId,
    ]);
    await vi.waitFor(
      () => expect(lines.filter((line) => line.msg.startsWith('worker cycle failed again'))).toHaveLength(2),
      { timeout: 15_000, interval: 50 },
    );
    expect(await grantStatus(grantId)).toBe('active');
    expect(provider.calls.filter((call) => call.startsWith('revoke:'))).toEqual([]);

    proxy.thaw();
    await vi.waitFor(async () => expect(await grantStatus(grantId)).toBe('revoked'), {
      timeout: outageBackoffMs(4) + 5_000,
      interval: 50,
    });
    expect(provider.calls).toContain('revoke:uoutage1');
    const failures = lines.filter((line) => line.msg.startsWith('worker cycle failed:'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.msg).toContain('PostgreSQL did not answer in time');
    expect(lines.filter((line) => line.msg.startsWith('worker running again'))).toHaveLength(1);
  });

  it('waits longer after each failure in a row, up to half a minute', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(outageBackoffMs)).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });
});
