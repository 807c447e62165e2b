import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  claimDueJobs,
  enqueueJob,
  extendJobLeases,
  JOBS_CHANNEL,
  type JobRow,
} from '../../src/db/jobs-repository.js';
import { createJobSource, type JobHandler, retryDelayMs } from '../../src/jobs/job-source.js';
import { createWorker, RECHECK_MS, type Worker } from '../../src/jobs/worker.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
const running: Worker[] = [];
beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((worker) => worker.stop()));
  await database.pool.query("UPDATE jobs SET status = 'done' WHERE status IN ('queued', 'running')");
});
afterAll(async () => {
  await database.drop();
});

function startWorker(
  handlers: Record<string, JobHandler>,
  options: {
    id?: string;
    onGiveUp?: (job: JobRow, error: string) => Promise<void>;
    maxIdleMs?: number;
    leaseSeconds?: number;
  } = {},
): Worker {
  const source = createJobSource({
    pool: database.pool,
    handlers,
    workerId: options.id ?? 'worker-a',
    logger: silentLogger,
    random: () => 0,
    onGiveUp: options.onGiveUp,
    ...(options.leaseSeconds ? { leaseSeconds: options.leaseSeconds } : {}),
  });
  const worker = createWorker({
    pool: database.pool,
    sources: [source],
    logger: silentLogger,
    channels: [JOBS_CHANNEL],
    maxIdleMs: options.maxIdleMs ?? 60_000,
  });
  worker.start();
  running.push(worker);
  return worker;
}

async function jobState(id: string | undefined) {
  const { rows } = await database.pool.query('SELECT status, attempts, last_error FROM jobs WHERE id = $1', [
    id,
  ]);
  return rows[0];
}

describe('the job worker', () => {
  it('starts a new job at once when it is enqueued, without waiting for its next poll', async () => {
    const seen: unknown[] = [];
    startWorker({ hello: async (job) => void seen.push(job.payload) }, { maxIdleMs: 60_000 });
    await enqueueJob(database.pool, { kind: 'hello', payload: { to: 'world' } });
    await vi.waitFor(() => expect(seen).toEqual([{ to: 'world' }]), { timeout: 5000 });
  });

  it('does not run a job before its due time, and runs it when due', async () => {
    const ranAt: number[] = [];
    startWorker({ later: async () => void ranAt.push(Date.now()) });
    const due = new Date(Date.now() + 1200);
    await enqueueJob(database.pool, { kind: 'later', runAt: due });
    await vi.waitFor(() => expect(ranAt).toHaveLength(1), { timeout: 5000 });
    expect(ranAt[0]).toBeGreaterThanOrEqual(due.getTime() - 50);
  });

  it('retries a job that throws, with backoff, until it succeeds', async () => {
    let calls = 0;
    startWorker({
      flaky: async () => {
        calls += 1;
        if (calls < 3) throw new Error(`transient failure ${calls}`);
      },
    });
    const id = await enqueueJob(database.pool, { kind: 'flaky' });
    await vi.waitFor(async () => expect(await jobState(id)).toMatchObject({ status: 'done', attempts: 3 }), {
      timeout: 8000,
    });
  });

  it('gives up after max attempts, records why, and reports it once', async () => {
    const gaveUp: string[] = [];
    startWorker(
      { doomed: async () => ({ status: 'retry', error: 'still broken', delayMs: 10 }) },
      { onGiveUp: async (_job, error) => void gaveUp.push(error) },
    );
    const id = await enqueueJob(database.pool, { kind: 'doomed', maxAttempts: 3 });
    await vi.waitFor(
      async () => expect(await jobState(id)).toMatchObject({ status: 'failed', attempts: 3 }),
      {
        timeout: 5000,
      },
    );
    expect(gaveUp).toEqual(['still broken']);
  });

  it('fails a job at once when its handler says the failure is final', async () => {
    startWorker({ final: async () => ({ status: 'failed', error: 'AccessDenied' }) });
    const id = await enqueueJob(database.pool, { kind: 'final' });
    await vi.waitFor(async () => expect(await jobState(id)).toMatchObject({ status: 'failed', attempts: 1 }));
    expect((await jobState(id)).last_error).toBe('AccessDenied');
  });

  it('fails a job nobody handles, naming its kind', async () => {
    startWorker({});
    const id = await enqueueJob(database.pool, { kind: 'mystery' });
    await vi.waitFor(async () => expect(await jobState(id)).toMatchObject({ status: 'failed' }));
    expect((await jobState(id)).last_error).toBe('no handler for job kind "mystery"');
  });

  it('enqueues the same work once while it is open', async () => {
    const first = await enqueueJob(database.pool, {
      kind: 'grant',
      dedupeKey: 'grant:r-1',
      runAt: new Date(Date.now() + 60_000),
    });
    const second = await enqueueJob(database.pool, { kind: 'grant', dedupeKey: 'grant:r-1' });
    expect(first).toBeDefined();
    expect(second).toBeUndefined();
  });

  it('two workers on one database run each job exactly once', async () => {
    const runs = new Map<string, number>();
    const handler: JobHandler = async (job) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
    };
    startWorker({ count: handler }, { id: 'replica-1' });
    startWorker({ count: handler }, { id: 'replica-2' });
    const ids = await Promise.all(
      Array.from({ length: 60 }, () => enqueueJob(database.pool, { kind: 'count' })),
    );
    await vi.waitFor(() => expect(runs.size).toBe(60), { timeout: 10_000 });
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(new Set(runs.keys())).toEqual(new Set(ids));
  });

  it('runs again a job whose worker died while holding it, once its lease ends', async () => {
    const id = await enqueueJob(database.pool, { kind: 'orphaned' });
    const claimed = await claimDueJobs(database.pool, 'worker-that-died', 10, 0.3);
    expect(claimed.map((job) => job.id)).toContain(id);
    const seen: string[] = [];
    startWorker({ orphaned: async (job) => void seen.push(job.id) }, { id: 'survivor' });
    await vi.waitFor(async () => expect(await jobState(id)).toMatchObject({ status: 'done', attempts: 2 }), {
      timeout: 5000,
    });
    expect(seen).toEqual([id]);
  });

  it('a lease renewal skips a job another statement holds instead of waiting on it (waiting could deadlock)', async () => {
    const locked = await enqueueJob(database.pool, { kind: 'held' });
    const free = await enqueueJob(database.pool, { kind: 'held' });
    const claimed = await claimDueJobs(database.pool, 'renewer', 10, 60);
    expect(claimed.map((job) => job.id)).toEqual(expect.arrayContaining([locked, free]));
    const leases = async () => {
      const { rows } = await database.pool.query<{ id: string; until: Date }>(
        'SELECT id::text AS id, locked_until AS until FROM jobs WHERE id = ANY($1::bigint[])',
        [[locked, free]],
      );
      return new Map(rows.map((row) => [row.id, row.until.getTime()]));
    };
    const before = await leases();
    // A batch completing jobs holds one row, as completeJobs does inside its statement.
    const completing = await database.pool.connect();
    try {
      await completing.query('BEGIN');
      await completing.query('SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE', [locked]);
      const renewal = extendJobLeases(database.pool, [locked, free].map(String), 'renewer', 600);
      const answer = await Promise.race([
        renewal.then(() => 'renewed'),
        new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 5_000)),
      ]);
      expect(answer).toBe('renewed');
    } finally {
      await completing.query('ROLLBACK');
      completing.release();
    }
    const after = await leases();
    expect(after.get(String(free))).toBeGreaterThan((before.get(String(free)) ?? 0) + 500_000);
    expect(after.get(String(locked))).toBe(before.get(String(locked)));
  });

  it('a live worker keeps its claim while a job runs longer than the lease: nobody runs it twice', async () => {
    let release: () => void = () => undefined;
    const runs: string[] = [];
    const handler: JobHandler = async (job) => {
      runs.push(job.id);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    };
    startWorker({ long: handler }, { id: 'slow-worker', leaseSeconds: 0.6 });
    startWorker({ long: handler }, { id: 'eager-worker', leaseSeconds: 0.6, maxIdleMs: 100 });
    const id = await enqueueJob(database.pool, { kind: 'long' });
    await vi.waitFor(() => expect(runs).toEqual([id]));
    // Three leases long: without the heartbeat the second worker would have taken it over.
    const { rows } = await database.pool.query("SELECT now() + interval '1.8 seconds' AS later");
    await vi.waitFor(
      async () => {
        const { rows: now } = await database.pool.query('SELECT now() > $1 AS past', [rows[0]?.later]);
        expect(now[0]?.past).toBe(true);
      },
      { timeout: 5000, interval: 100 },
    );
    expect(runs).toEqual([id]);
    release();
    await vi.waitFor(async () => expect(await jobState(id)).toMatchObject({ status: 'done', attempts: 1 }));
  });

  it('a job that waits on something else is retried without using up its tries', async () => {
    let calls = 0;
    const id = await enqueueJob(database.pool, { kind: 'patient', maxAttempts: 2 });
    startWorker({
      patient: async () => {
        calls += 1;
        return calls < 4 ? { status: 'retry', error: 'waiting', delayMs: 10, notAnAttempt: true } : undefined;
      },
    });
    await vi.waitFor(async () => expect(await jobState(id)).toMatchObject({ status: 'done', attempts: 1 }), {
      timeout: 5000,
    });
    expect(calls).toBe(4);
  });

  it('a source closed for shutdown hands back whatever its last claim caught, untouched', async () => {
    const ran: string[] = [];
    const source = createJobSource({
      pool: database.pool,
      handlers: { late: async (job) => void ran.push(job.id) },
      workerId: 'closing-worker',
      logger: silentLogger,
    });
    const id = await enqueueJob(database.pool, { kind: 'late' });
    source.close?.();
    expect(await source.runDue()).toBe(0);
    expect(ran).toEqual([]);
    expect(await jobState(id)).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('on stop, finishes the job in hand before resolving, and takes no new one', async () => {
    let release: () => void = () => undefined;
    let started = false;
    const worker = startWorker({
      slow: async () => {
        started = true;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    const id = await enqueueJob(database.pool, { kind: 'slow' });
    await vi.waitFor(() => expect(started).toBe(true));
    let stopped = false;
    const stopping = worker.stop().then(() => {
      stopped = true;
    });
    const later = await enqueueJob(database.pool, { kind: 'slow' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await jobState(id)).toMatchObject({ status: 'done' });
    expect(await jobState(later)).toMatchObject({ status: 'queued', attempts: 0 });
  });
});

describe('retry backoff', () => {
  it('doubles per attempt, with jitter between half and the whole step, capped at five minutes', () => {
    expect(retryDelayMs(1, () => 0)).toBe(500);
    expect(retryDelayMs(1, () => 1)).toBe(1000);
    expect(retryDelayMs(4, () => 1)).toBe(8000);
    expect(retryDelayMs(30, () => 1)).toBe(300_000);
  });
});

describe('the worker over several sources', () => {
  /** A source that has `due` items at the times given (ms from now), and counts how often it is asked. */
  function scheduledSource(name: string, dueInMs: readonly number[]) {
    const start = Date.now();
    const dueTimes = dueInMs.map((ms) => start + ms);
    const ranAt: number[] = [];
    let asked = 0;
    return {
      ranAt,
      asked: () => asked,
      source: {
        name,
        runDue: async () => {
          asked += 1;
          const now = Date.now();
          const due = dueTimes.filter((time) => time <= now);
          for (const time of due) {
            dueTimes.splice(dueTimes.indexOf(time), 1);
            ranAt.push(now - time);
          }
          return due.length;
        },
        nextDueAt: async () => {
          const next = Math.min(...dueTimes);
          return Number.isFinite(next) ? new Date(next) : undefined;
        },
      },
    };
  }

  /** Always has one more item, for `forMs`: keeps the loop busy. */
  function busySource(forMs: number) {
    const until = Date.now() + forMs;
    return {
      name: 'busy',
      runDue: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return Date.now() < until ? 1 : 0;
      },
      nextDueAt: async () => undefined,
    };
  }

  it('while another source keeps it busy, a quiet source is not asked on every cycle, and its work still runs when due', async () => {
    const quiet = scheduledSource('quiet', [700, 1500]);
    const worker = createWorker({
      pool: database.pool,
      sources: [busySource(2_000), quiet.source],
      logger: silentLogger,
      maxIdleMs: 60_000,
    });
    worker.start();
    running.push(worker);
    await vi.waitFor(() => expect(quiet.ranAt).toHaveLength(2), { timeout: 5_000 });
    // Each item ran on time although the quiet source was asked only a handful of times in 2 s
    // of back-to-back cycles (on its due times, and once a second besides).
    expect(Math.max(...quiet.ranAt)).toBeLessThan(100);
    expect(quiet.asked()).toBeLessThanOrEqual(8);
  });

  it('a wake from this process (new work written) asks every source at once, however recently it was asked', async () => {
    let found = 0;
    let waiting = false;
    const lateWork = {
      name: 'late',
      runDue: async () => {
        if (!waiting) return 0;
        waiting = false;
        found += 1;
        return 1;
      },
      nextDueAt: async () => undefined,
    };
    const worker = createWorker({
      pool: database.pool,
      sources: [busySource(3_000), lateWork],
      logger: silentLogger,
      maxIdleMs: 60_000,
    });
    worker.start();
    running.push(worker);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const writtenAt = Date.now();
    waiting = true;
    worker.wake();
    await vi.waitFor(() => expect(found).toBe(1), { timeout: 2_000 });
    expect(Date.now() - writtenAt).toBeLessThan(RECHECK_MS / 2);
  });

  it('work written with its due time is run then, with no query to learn it, even by an idle worker', async () => {
    const dueAt = Date.now() + 400;
    let asked = 0;
    let ranLate: number | undefined;
    const timed = {
      name: 'timed',
      runDue: async () => {
        asked += 1;
        if (Date.now() < dueAt || ranLate !== undefined) return 0;
        ranLate = Date.now() - dueAt;
        return 1;
      },
      // As if the answer was read before the write committed: only the notice tells the time.
      nextDueAt: async () => undefined,
    };
    const worker = createWorker({
      pool: database.pool,
      sources: [timed],
      logger: silentLogger,
      maxIdleMs: 60_000,
    });
    worker.start();
    running.push(worker);
    await vi.waitFor(() => expect(asked).toBe(1));
    worker.wake({ work: 'timed', at: new Date(dueAt) });
    await vi.waitFor(() => expect(ranLate).toBeDefined(), { timeout: 3_000 });
    expect(ranLate).toBeLessThan(100);
    expect(asked).toBeLessThanOrEqual(3);
  });
});
