/**
 * What drift keeps: which shared resources have a baseline and whom it adopted, the findings as
 * last seen, and the due time of the periodic run; and the grants a reading is compared with.
 */
import type { Finding, GrantFacts } from '../domain/drift.js';
import { type Queryable, readDueTime } from './pool.js';

export interface Baseline {
  /** Resources read back before: their holders without a grant were adopted then. */
  readonly baselined: ReadonlySet<string>;
  /** Adopted principals by resource. */
  readonly adopted: ReadonlyMap<string, readonly string[]>;
}

export async function readBaseline(db: Queryable, resources: readonly string[]): Promise<Baseline> {
  const [{ rows: bases }, { rows: adopted }] = await Promise.all([
    db.query<{ resource: string }>('SELECT resource FROM drift_baselines WHERE resource = ANY($1::text[])', [
      resources,
    ]),
    db.query<{ resource: string; principal: string }>(
      'SELECT resource, principal FROM drift_adopted WHERE resource = ANY($1::text[])',
      [resources],
    ),
  ]);
  const byResource = new Map<string, string[]>();
  for (const row of adopted)
    byResource.set(row.resource, [...(byResource.get(row.resource) ?? []), row.principal]);
  return { baselined: new Set(bases.map((row) => row.resource)), adopted: byResource };
}

/** Records a resource's first reading, and the holders it adopted then; only the first run to get there does. */
export async function recordBaseline(
  db: Queryable,
  base: { resource: string; targetId: string; adopted: readonly { principal: string; name: string }[] },
): Promise<void> {
  const { rowCount } = await db.query(
    'INSERT INTO drift_baselines (resource, target_id) VALUES ($1, $2) ON CONFLICT (resource) DO NOTHING',
    [base.resource, base.targetId],
  );
  // Another run recorded the baseline first: its reading stands, this one adopts nobody.
  if (rowCount !== 1) return;
  if (base.adopted.length === 0) return;
  // One statement for every holder: a first reading of a large group adopts thousands.
  await db.query(
    `INSERT INTO drift_adopted (resource, principal, name)
     SELECT $1, principal, name FROM unnest($2::text[], $3::text[]) AS h(principal, name)
     ON CONFLICT (resource, principal) DO NOTHING`,
    [
      base.resource,
      base.adopted.map((holder) => holder.principal),
      base.adopted.map((holder) => holder.name),
    ],
  );
}

/**
 * The grants a reading is compared with: every grant of the resources read that is live, ended
 * within `endedSince`, or found pre-existing (whatever its age: that access is never drift), and
 * the grants schedules and generated policies name.
 */
export async function grantsForDrift(
  db: Queryable,
  query: {
    resources: readonly string[];
    resourcePrefixes: readonly string[];
    grantIds: readonly string[];
    endedSince: Date;
  },
): Promise<GrantFacts[]> {
  const { rows } = await db.query<GrantFacts>(
    `SELECT id, target_id AS "targetId", resource, principal, status::text AS status,
            pre_existing AS "preExisting", added, add_attempted AS "addAttempted", expires_at AS "expiresAt",
            CASE WHEN status IN ('revoked', 'failed') THEN COALESCE(revoked_at, updated_at) END AS "endedAt",
            GREATEST(COALESCE(granted_at, created_at), COALESCE(revoked_at, created_at), updated_at) AS "changedAt"
       FROM grants
      WHERE id = ANY($3::text[])
         OR ((resource = ANY($1::text[]) OR resource LIKE ANY($2::text[]))
             AND (status IN ('pending', 'active', 'revoking') OR COALESCE(revoked_at, updated_at) >= $4
                  OR pre_existing))`,
    [query.resources, query.resourcePrefixes.map((prefix) => `${prefix}%`), query.grantIds, query.endedSince],
  );
  return rows;
}

export interface OpenFinding {
  readonly key: string;
  readonly kind: string;
  readonly targetId: string | null;
  readonly details: Finding;
  readonly words: string;
  readonly firstSeen: Date;
}

/**
 * Records this run's findings: new ones are inserted, seen ones touched, and open ones in the
 * `scope` this run read that it did not see again are resolved. Returns the keys that are new,
 * and those resolved.
 */
export async function recordFindings(
  db: Queryable,
  findings: readonly Finding[],
  scope: { readonly kinds: readonly string[]; readonly unreadTargets: readonly string[] },
): Promise<{ fresh: Set<string>; resolved: string[] }> {
  const fresh = new Set<string>();
  for (const finding of findings) {
    const { rows } = await db.query<{ inserted: boolean }>(
      `INSERT INTO drift_findings (key, kind, target_id, details, words) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (key) DO UPDATE
         SET last_seen = now(), words = EXCLUDED.words, details = EXCLUDED.details,
             resolved_at = NULL, resolution = NULL,
             -- Back after it was resolved: it is news again for the admin channel.
             alerted_at = CASE WHEN drift_findings.resolved_at IS NULL THEN drift_findings.alerted_at END,
             first_seen = CASE WHEN drift_findings.resolved_at IS NULL THEN drift_findings.first_seen ELSE now() END
       RETURNING (xmax = 0 OR first_seen = last_seen) AS inserted`,
      [finding.key, finding.kind, finding.targetId ?? null, JSON.stringify(finding), finding.words],
    );
    if (rows[0]?.inserted) fresh.add(finding.key);
  }
  const { rows: resolved } = await db.query<{ key: string }>(
    `UPDATE drift_findings SET resolved_at = now(), resolution = 'no longer seen'
      WHERE resolved_at IS NULL AND kind = ANY($2::text[]) AND NOT (key = ANY($1::text[]))
        AND (target_id IS NULL OR NOT (target_id = ANY($3::text[])))
      RETURNING key`,
    [findings.map((finding) => finding.key), scope.kinds, scope.unreadTargets],
  );
  return { fresh, resolved: resolved.map((row) => row.key) };
}

/**
 * Takes an open finding for one fix: a second fix of it (a double click, the periodic run beside
 * `jitbot reconcile --fix`) finds it taken and does nothing.
 */
export async function claimFinding(db: Queryable, key: string, actor: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE drift_findings SET resolved_at = now(), resolution = 'being fixed by ' || $2
      WHERE key = $1 AND resolved_at IS NULL`,
    [key, actor],
  );
  return rowCount === 1;
}

/** A fix that failed: the finding is open again, for the next run or another click. */
export async function reopenFinding(db: Queryable, key: string): Promise<void> {
  await db.query('UPDATE drift_findings SET resolved_at = NULL, resolution = NULL WHERE key = $1', [key]);
}

/** Sets how a claimed finding ended. */
export async function settleFinding(db: Queryable, key: string, resolution: string): Promise<void> {
  await db.query('UPDATE drift_findings SET resolution = $2 WHERE key = $1', [key, resolution]);
}

/** A grant that gives this access now (being applied, in force or being revoked), if any. */
export async function findLiveGrantOf(db: Queryable, resource: string, principal: string) {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM grants WHERE resource = $1 AND lower(principal) = lower($2)
        AND status IN ('pending', 'active', 'revoking') LIMIT 1`,
    [resource, principal],
  );
  return rows[0]?.id;
}

export async function resolveFinding(db: Queryable, key: string, resolution: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE drift_findings SET resolved_at = now(), resolution = $2 WHERE key = $1 AND resolved_at IS NULL',
    [key, resolution],
  );
  return rowCount === 1;
}

export async function findOpenFinding(db: Queryable, key: string): Promise<OpenFinding | undefined> {
  const { rows } = await db.query<OpenFinding>(
    `SELECT key, kind, target_id AS "targetId", details, words, first_seen AS "firstSeen"
       FROM drift_findings WHERE key = $1 AND resolved_at IS NULL`,
    [key],
  );
  return rows[0];
}

/** Claims the periodic run when it is due, moving it `intervalSeconds` on; false when another replica has it. */
export async function claimDriftRun(db: Queryable, intervalSeconds: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE drift_runs SET next_run_at = now() + make_interval(secs => $1), last_run_at = now()
      WHERE id = (SELECT id FROM drift_runs WHERE id = 1 AND next_run_at <= now() FOR UPDATE SKIP LOCKED)`,
    [intervalSeconds],
  );
  return rowCount === 1;
}

/** When a run ends, whatever it found: operators (and tests) see that it ran to the end. */
export async function finishDriftRun(db: Queryable): Promise<void> {
  await db.query('UPDATE drift_runs SET last_finished_at = clock_timestamp() WHERE id = 1');
}

export async function nextDriftRunDue(db: Queryable): Promise<Date | undefined> {
  return readDueTime(db, 'SELECT next_run_at AS due FROM drift_runs WHERE id = 1');
}

/**
 * The findings not yet told to the admin channel (adopted ones are not drift), marked told, as
 * one new alert; undefined when there are none.
 */
export async function createDriftAlert(db: Queryable): Promise<number | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `WITH told AS (
       UPDATE drift_findings SET alerted_at = now()
        WHERE alerted_at IS NULL AND kind <> 'adopted'
          AND (resolved_at IS NULL OR resolution LIKE 'fixed by %')
       RETURNING key)
     INSERT INTO drift_alerts (keys) SELECT array_agg(key ORDER BY key) FROM told HAVING count(*) > 0
     RETURNING id`,
  );
  return rows[0] ? Number(rows[0].id) : undefined;
}

export interface DriftAlert {
  readonly id: number;
  readonly channel: string | null;
  readonly ts: string | null;
  readonly findings: readonly (OpenFinding & { readonly resolution: string | null })[];
}

export async function readDriftAlert(db: Queryable, id: number): Promise<DriftAlert | undefined> {
  const { rows } = await db.query<{ channel: string | null; ts: string | null; keys: string[] }>(
    'SELECT channel, ts, keys FROM drift_alerts WHERE id = $1',
    [id],
  );
  const alert = rows[0];
  if (!alert) return undefined;
  const { rows: findings } = await db.query<OpenFinding & { resolution: string | null }>(
    `SELECT key, kind, target_id AS "targetId", details, words, first_seen AS "firstSeen",
            CASE WHEN resolved_at IS NULL THEN NULL ELSE resolution END AS resolution
       FROM drift_findings WHERE key = ANY($1::text[]) ORDER BY array_position($1::text[], key)`,
    [alert.keys],
  );
  return { id, channel: alert.channel, ts: alert.ts, findings };
}

/** Records where an alert was posted; false when another delivery recorded it first. */
export async function recordDriftAlertPosted(db: Queryable, id: number, channel: string, ts: string) {
  const { rowCount } = await db.query(
    'UPDATE drift_alerts SET channel = $2, ts = $3 WHERE id = $1 AND ts IS NULL',
    [id, channel, ts],
  );
  return rowCount === 1;
}

/** The alerts that show any of these findings: they are updated when one changes. */
export async function alertsShowing(db: Queryable, keys: readonly string[]): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM drift_alerts WHERE keys && $1::text[]', [
    keys,
  ]);
  return rows.map((row) => Number(row.id));
}
