import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import { serviceEnv, startServiceProcess } from './service-process.js';

export interface ServiceWorld {
  /** This file's own empty database (the service migrates it). */
  readonly database: TestDatabase;
  readonly slack: FakeSlack;
  /** serviceEnv() pointed at this file's database and fake Slack, with `overrides` on top. */
  env(overrides?: Record<string, string | undefined>): Record<string, string | undefined>;
  /** `jitbot serve` with env(overrides), once it answers /healthz; the test stops it. */
  startService(overrides?: Record<string, string | undefined>): ReturnType<typeof startServiceProcess>;
}

/**
 * What the built service runs against in a service test: a test database and a fake Slack, made
 * before the file's first test and closed after its last. Use its fields inside tests and hooks.
 */
export function useServiceWorld(): ServiceWorld {
  let database: TestDatabase | undefined;
  let slack: FakeSlack | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack?.close();
    await database?.drop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${what} is not there yet: use it inside a test or a hook`);
    return value;
  };
  const world: ServiceWorld = {
    get database() {
      return started(database, 'test database');
    },
    get slack() {
      return started(slack, 'fake Slack');
    },
    env: (overrides = {}) =>
      serviceEnv({ DATABASE_URL: world.database.url, SLACK_API_URL: world.slack.url, ...overrides }),
    startService: (overrides = {}) => startServiceProcess(world.env(overrides)),
  };
  return world;
}
