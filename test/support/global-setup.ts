import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../src/db/embedded.js';
import { createLogger } from '../../src/log/logger.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where test files create their own databases: a server URL, or the embedded socket. */
    adminConnection: {
      connectionString?: string;
      host?: string;
      port?: number;
      user?: string;
      database?: string;
    };
  }
}

let embedded: EmbeddedDatabase | undefined;
let dataDir: string | undefined;

/**
 * One database server for the whole run: TEST_DATABASE_URL when set, otherwise an embedded
 * PostgreSQL in a temporary directory. Each test file then creates its own database in it.
 */
export async function setup(project: TestProject): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    project.provide('adminConnection', { connectionString: url });
    return;
  }
  dataDir = mkdtempSync(join(tmpdir(), 'jitbot-test-db-'));
  embedded = await startEmbeddedDatabase(dataDir, createLogger('warn'));
  const { host, port, user } = embedded.connection;
  project.provide('adminConnection', { host, port, user, database: 'postgres' });
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
