/**
 * A fresh database for one soak run, on TEST_DATABASE_URL's server, else the local server on
 * 127.0.0.1:5432, else a throwaway embedded PostgreSQL; dropped at the end. The soak's own
 * connections are named `jitbot-soak`, so cutting the replicas' connections leaves them alone.
 */
import { type BenchDatabase, openBenchDatabase } from '../support/bench-database.js';

const SOAK_APPLICATION = 'jitbot-soak';

export interface SoakDatabase extends BenchDatabase {
  /** pg_terminate_backend on every connection the replicas hold; how many were cut. */
  cutReplicaConnections(): Promise<number>;
}

export async function openSoakDatabase(): Promise<SoakDatabase> {
  const database = await openBenchDatabase({
    applicationName: SOAK_APPLICATION,
    ...(process.env.TEST_DATABASE_URL ? { server: process.env.TEST_DATABASE_URL } : {}),
  });
  return {
    ...database,
    async cutReplicaConnections() {
      const { rows } = await database.pool.query<{ cut: number }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS cut FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> $2`,
        [database.name, SOAK_APPLICATION],
      );
      return rows[0]?.cut ?? 0;
    },
  };
}
