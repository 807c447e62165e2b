import type { Queryable } from './pool.js';

/** The figures /metrics reads from PostgreSQL, all in one statement so they agree with each other. */
export interface MetricsSnapshot {
  readonly pending: number;
  readonly active: number;
  readonly revoking: number;
  readonly overdue: number;
  readonly oldestOverdueSeconds: number;
  readonly requestsPending: number;
  readonly jobsOverdue: number;
  readonly jobsFailed: number;
  /** Open drift findings by kind and target ('' for those of no target). */
  readonly driftFindings: readonly {
    readonly kind: string;
    readonly target: string;
    readonly count: number;
  }[];
}

/**
 * Counts grants by status, requests waiting, and jobs overdue or given up. A grant counts as
 * overdue once it is `overdueAfterSeconds` past its expiry and still not revoked.
 */
export async function readMetricsSnapshot(
  db: Queryable,
  overdueAfterSeconds: number,
): Promise<MetricsSnapshot> {
  const { rows } = await db.query<MetricsSnapshot>(
    `SELECT
       (SELECT count(*) FROM grants WHERE status = 'pending')::int AS pending,
       (SELECT count(*) FROM grants WHERE status = 'active')::int AS active,
       (SELECT count(*) FROM grants WHERE status = 'revoking')::int AS revoking,
       (SELECT count(*) FROM grants
         WHERE status IN ('active', 'revoking') AND expires_at < now() - make_interval(secs => $1))::int AS overdue,
       (SELECT coalesce(extract(epoch FROM now() - min(expires_at)), 0) FROM grants
         WHERE status IN ('active', 'revoking') AND expires_at < now() - make_interval(secs => $1))::float8
         AS "oldestOverdueSeconds",
       (SELECT count(*) FROM requests WHERE status = 'pending')::int AS "requestsPending",
       (SELECT count(*) FROM jobs
         WHERE (status = 'queued' AND run_at < now() - interval '1 minute')
            OR (status = 'running' AND locked_until < now() - interval '1 minute'))::int AS "jobsOverdue",
       (SELECT count(*) FROM jobs WHERE status = 'failed')::int AS "jobsFailed",
       (SELECT coalesce(json_agg(json_build_object('kind', kind, 'target', target, 'count', n)), '[]'::json)
          FROM (SELECT kind, coalesce(target_id, '') AS target, count(*)::int AS n FROM drift_findings
                 WHERE resolved_at IS NULL GROUP BY kind, target_id) AS open) AS "driftFindings"`,
    [overdueAfterSeconds],
  );
  const snapshot = rows[0];
  if (!snapshot) throw new Error('the metrics query returned no row');
  return snapshot;
}
