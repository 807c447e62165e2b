/**
 * The request stores in memory, for use-case tests where the database is not the point. It keeps
 * the behaviour the use cases rely on: guarded status changes answer undefined when the row is no
 * longer in the expected state; one pending request per person and target (the SQL's partial
 * unique index); one decision per approver; a dedupe key holds one job; claims hand each due row
 * out once; a transaction that throws leaves nothing behind.
 *
 * What it does not imitate: transactions run one at a time (so every lock holds trivially, and a
 * read outside a transaction may see the writes of one still running); CHECKs and foreign keys;
 * NOTIFY; jobs never run, so a dedupe key stays taken; `now` is the process clock (or the one
 * given), not the database's; grants are only read, so a test puts them in `tables.grants`.
 */
import type { StoredGrant } from '../domain/grant.js';
import type { Approval } from '../domain/request.js';
import { type AuditEvent, SERVICE_ACTOR } from './audit-log.js';
import { createMemoryRequestStore, type MemoryRequestRow } from './memory-requests.js';
import type { NewJob } from './outbox.js';
import type {
  GrantReader,
  LiveGrantRow,
  RequesterLimits,
  RequestFactsReader,
  RequestStore,
  RequestStoreSet,
  RequestStores,
} from './request-stores.js';

/** The tables, open to the test that owns the fake: to look at what was written, or to age a row. */
export interface MemoryTables {
  readonly requests: Map<string, MemoryRequestRow>;
  readonly approvals: Approval[];
  readonly audit: (AuditEvent & { readonly occurredAt: Date })[];
  readonly jobs: (NewJob & { readonly id: string })[];
  readonly grants: StoredGrant[];
}

export interface MemoryRequestStores extends RequestStores {
  readonly tables: MemoryTables;
}

function requesterLimits(tables: MemoryTables, now: () => Date): RequesterLimits {
  return {
    // Transactions run one at a time: the person's submits are serialized already.
    lockRequester: async () => undefined,
    recentRequestTimes: async (requesterId, withinSeconds, limit) => {
      const since = now().getTime() - withinSeconds * 1000;
      return [...tables.requests.values()]
        .filter((row) => row.requesterId === requesterId && row.createdAt.getTime() > since)
        .map((row) => row.createdAt)
        .sort((a, b) => b.getTime() - a.getTime())
        .slice(0, limit);
    },
    findHeldAccess: async (requesterId, resource, perRequest) => {
      const under = (grant: StoredGrant) =>
        grant.resource === resource || (perRequest === true && grant.resource.startsWith(`${resource}/`));
      const held = tables.grants
        .filter((grant) => grant.requesterId === requesterId && under(grant))
        .filter(
          (grant) => (grant.status === 'pending' || grant.status === 'active') && grant.expiresAt > now(),
        )
        .sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime())[0];
      return held && { grantId: held.id, expiresAt: held.expiresAt };
    },
  };
}

function isLive(grant: StoredGrant): grant is StoredGrant & { status: LiveGrantRow['status'] } {
  return grant.status === 'pending' || grant.status === 'active' || grant.status === 'revoking';
}

function grantReader(tables: MemoryTables): GrantReader {
  return {
    find: async (id) => {
      const grant = tables.grants.find((one) => one.id === id);
      return grant && { ...grant };
    },
    listLive: async (requesterId) =>
      tables.grants
        .filter((grant) => grant.requesterId === requesterId)
        .filter(isLive)
        .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
        .map(({ id, requestId, targetId, status, expiresAt, preExisting }) => {
          return { id, requestId, targetId, status, expiresAt, preExisting };
        }),
    activeUntil: async (requesterId, targetId) =>
      tables.grants
        .filter((grant) => grant.requesterId === requesterId && grant.targetId === targetId)
        .filter((grant) => grant.status === 'active')
        .sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime())[0]?.expiresAt,
  };
}

function factsReader(tables: MemoryTables, requests: RequestStore): RequestFactsReader {
  const grants = grantReader(tables);
  return {
    read: async (requestId) => {
      const request = await requests.find(requestId);
      if (!request) return undefined;
      const grant = request.grantId ? await grants.find(request.grantId) : undefined;
      const activeUntil =
        request.status === 'pending'
          ? await grants.activeUntil(request.requesterId, request.targetId)
          : undefined;
      return {
        request,
        approvals: tables.approvals.filter((one) => one.requestId === requestId).map((one) => ({ ...one })),
        ...(grant ? { grant } : {}),
        ...(activeUntil ? { activeUntil } : {}),
      };
    },
  };
}

function storeSet(tables: MemoryTables, now: () => Date): RequestStoreSet {
  const append = async (event: AuditEvent) => {
    tables.audit.push({ ...event, details: event.details ?? {}, occurredAt: now() });
  };
  const requests = createMemoryRequestStore(tables.requests, now);
  return {
    requests,
    approvals: {
      record: async (requestId, approverId, decision, reason) => {
        if (tables.approvals.some((one) => one.requestId === requestId && one.approverId === approverId))
          return false;
        tables.approvals.push({ requestId, approverId, decision, reason, createdAt: now() });
        return true;
      },
      list: async (requestId) =>
        tables.approvals.filter((one) => one.requestId === requestId).map((one) => ({ ...one })),
    },
    audit: {
      append,
      serviceStep: (action, request) =>
        append({
          actor: SERVICE_ACTOR,
          action,
          outcome: 'ok',
          requestId: request.id,
          targetId: request.targetId,
        }),
    },
    outbox: {
      enqueue: async (job) => {
        if (job.dedupeKey !== undefined && tables.jobs.some((one) => one.dedupeKey === job.dedupeKey))
          return undefined;
        const id = String(tables.jobs.length + 1);
        tables.jobs.push({ ...job, id });
        return id;
      },
    },
    limits: requesterLimits(tables, now),
    grants: grantReader(tables),
    facts: factsReader(tables, requests),
  };
}

/** Puts every table back as it was: a transaction that threw leaves nothing behind. */
function restore(tables: MemoryTables, saved: MemoryTables): void {
  tables.requests.clear();
  for (const [id, row] of saved.requests) tables.requests.set(id, row);
  tables.approvals.splice(0, Infinity, ...saved.approvals);
  tables.audit.splice(0, Infinity, ...saved.audit);
  tables.jobs.splice(0, Infinity, ...saved.jobs);
  tables.grants.splice(0, Infinity, ...saved.grants);
}

export function createMemoryRequestStores(options: { readonly now?: () => Date } = {}): MemoryRequestStores {
  const now = options.now ?? (() => new Date());
  const tables: MemoryTables = { requests: new Map(), approvals: [], audit: [], jobs: [], grants: [] };
  const stores = storeSet(tables, now);
  // One transaction at a time, in the order they were asked for: what a row lock would queue.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    ...stores,
    tables,
    transaction(work) {
      const run = queue.then(async () => {
        const saved = structuredClone(tables);
        try {
          return await work(stores);
        } catch (error) {
          restore(tables, saved);
          throw error;
        }
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
