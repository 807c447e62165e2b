/**
 * The request stores a use-case test can run on: PostgreSQL (the real adapter on a database of
 * its own) and the in-memory fake. Each also answers the few questions a test asks of what was
 * stored, and ages a row, in its own terms, so one set of assertions runs on both.
 */
import { listAuditEvents } from '../../src/db/audit-repository.js';
import { createPostgresRequestStores } from '../../src/db/request-stores.js';
import type { AuditEvent } from '../../src/ports/audit-log.js';
import { createMemoryRequestStores } from '../../src/ports/memory-request-stores.js';
import type { RequestStores } from '../../src/ports/request-stores.js';
import { createTestDatabase } from './database.js';

export interface RequestStoreBackend {
  readonly stores: RequestStores;
  /** The kinds of the jobs enqueued about a request, in order. */
  jobsFor(requestId: string): Promise<string[]>;
  /** A request's audit events, in order. */
  auditOf(requestId: string): Promise<AuditEvent[]>;
  /** Moves a request's decide-by (`deadline`) or reminder time (`reminder`) a second into the past. */
  makeDue(requestId: string, what: 'deadline' | 'reminder'): Promise<void>;
  /** How long after its creation a request's approvers are reminded. */
  reminderDelaySeconds(requestId: string): Promise<number>;
  /** Gives the request a grant (as an approval's grant.apply would), in force until `expiresAt`. */
  grantFor(requestId: string, grantId: string, expiresAt: Date): Promise<void>;
  close(): Promise<void>;
}

export interface BackendChoice {
  readonly name: string;
  open(): Promise<RequestStoreBackend>;
}

async function openPostgres(): Promise<RequestStoreBackend> {
  const database = await createTestDatabase({ migrated: true });
  const { pool } = database;
  const column = { deadline: 'decide_by', reminder: 'remind_at' } as const;
  return {
    stores: createPostgresRequestStores(pool),
    async jobsFor(requestId) {
      const { rows } = await pool.query<{ kind: string }>(
        "SELECT kind FROM jobs WHERE payload->>'requestId' = $1 ORDER BY id",
        [requestId],
      );
      return rows.map((row) => row.kind);
    },
    auditOf: (requestId) => listAuditEvents(pool, requestId),
    async makeDue(requestId, what) {
      await pool.query(`UPDATE requests SET ${column[what]} = now() - interval '1 second' WHERE id = $1`, [
        requestId,
      ]);
    },
    async reminderDelaySeconds(requestId) {
      const { rows } = await pool.query<{ after: number }>(
        'SELECT extract(epoch FROM remind_at - created_at)::float8 AS after FROM requests WHERE id = $1',
        [requestId],
      );
      return rows[0]?.after ?? 0;
    },
    async grantFor(requestId, grantId, expiresAt) {
      await pool.query(
        `INSERT INTO grants (id, request_id, latest_request_id, target_id, resource, principal, requester_id,
                             status, pre_existing, expires_at, granted_at)
         SELECT $2, id, id, target_id, 'aws:111111111111:group/jit/' || id, 'alice', requester_id, 'active', false,
                $3, now()
           FROM requests WHERE id = $1`,
        [requestId, grantId, expiresAt],
      );
      await pool.query('UPDATE requests SET grant_id = $2 WHERE id = $1', [requestId, grantId]);
    },
    close: () => database.drop(),
  };
}

async function openMemory(): Promise<RequestStoreBackend> {
  const stores = createMemoryRequestStores();
  const { tables } = stores;
  const row = (requestId: string) => {
    const found = tables.requests.get(requestId);
    if (!found) throw new Error(`no request ${requestId}`);
    return found;
  };
  return {
    stores,
    jobsFor: async (requestId) =>
      tables.jobs.filter((job) => job.payload?.requestId === requestId).map((job) => job.kind),
    auditOf: async (requestId) => tables.audit.filter((event) => event.requestId === requestId),
    async makeDue(requestId, what) {
      const past = new Date(Date.now() - 1000);
      if (what === 'deadline') row(requestId).decideBy = past;
      else row(requestId).remindAt = past;
    },
    async reminderDelaySeconds(requestId) {
      const { remindAt, createdAt } = row(requestId);
      return remindAt ? (remindAt.getTime() - createdAt.getTime()) / 1000 : 0;
    },
    async grantFor(requestId, grantId, expiresAt) {
      const request = row(requestId);
      tables.grants.push({
        id: grantId,
        requestId,
        latestRequestId: requestId,
        targetId: request.targetId,
        resource: `aws:111111111111:group/jit/${requestId}`,
        principal: 'alice',
        requesterId: request.requesterId,
        status: 'active',
        preExisting: false,
        added: null,
        addAttempted: false,
        expiresAt,
        warnAt: null,
        warnedAt: null,
        backstopAt: null,
        revokeAttempts: 0,
        nextAttemptAt: null,
        lastError: null,
        alertedAt: null,
        failure: null,
        grantedAt: new Date(),
        revokedAt: null,
        revokedBy: null,
        revokeReason: null,
        providerOperation: null,
        providerState: null,
      });
      request.grantId = grantId;
    },
    close: async () => undefined,
  };
}

export const REQUEST_STORE_BACKENDS: readonly BackendChoice[] = [
  { name: 'PostgreSQL', open: openPostgres },
  { name: 'memory', open: openMemory },
];
