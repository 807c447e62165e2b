/**
 * The requests table of the in-memory request stores (memory-request-stores.ts): each guarded
 * write changes a row only in the state the SQL's WHERE clause asks for, and answers undefined
 * otherwise; reads return copies, as a query does.
 */
import type { StoredRequest } from '../domain/request.js';
import type { RequestStore } from './request-stores.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A request as the table keeps it: what a read returns, and the reminder times kept beside it. */
export interface MemoryRequestRow extends Mutable<StoredRequest> {
  remindAt: Date | null;
  remindedAt: Date | null;
}

/** A copy, as a query returns one: what the caller holds does not change with the table. */
function view({ remindAt: _remindAt, remindedAt: _remindedAt, ...request }: MemoryRequestRow): StoredRequest {
  return { ...request };
}

const byTime = (of: (row: MemoryRequestRow) => Date | null) => (a: MemoryRequestRow, b: MemoryRequestRow) =>
  (of(a)?.getTime() ?? 0) - (of(b)?.getTime() ?? 0);

function earliest(dates: (Date | null)[]): Date | undefined {
  const times = dates.filter((date) => date !== null).map((date) => date.getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

/** The requests table: guarded writes as the SQL's WHERE clauses and unique index make them. */
export function createMemoryRequestStore(
  table: Map<string, MemoryRequestRow>,
  now: () => Date,
): RequestStore {
  const rows = () => [...table.values()];
  const pending = () => rows().filter((row) => row.status === 'pending');
  const found = (id: string) => table.get(id);
  const remindable = () => pending().filter((row) => row.remindedAt === null && row.principal !== null);
  return {
    find: async (id) => {
      const row = found(id);
      return row && view(row);
    },
    // Transactions run one at a time, so a read inside one already holds its row.
    lock: async (id) => {
      const row = found(id);
      return row && view(row);
    },
    insert: async (request) => {
      if (table.has(request.id)) throw new Error(`request ${request.id} already exists`);
      const same = (row: MemoryRequestRow) =>
        row.requesterId === request.requesterId && row.targetId === request.targetId;
      if (pending().some(same)) return undefined;
      const row: MemoryRequestRow = {
        ...request,
        permissions: request.permissions ?? null,
        extendsGrantId: request.extendsGrantId ?? null,
        principalLabel: null,
        status: 'pending',
        decidedAt: null,
        decidedBy: null,
        decisionReason: null,
        createdAt: now(),
        approvedVia: null,
        reviewedBy: null,
        grantId: null,
        remindedAt: null,
      };
      table.set(row.id, row);
      return view(row);
    },
    findPending: async (requesterId, targetId) => {
      const row = pending().find((one) => one.requesterId === requesterId && one.targetId === targetId);
      return row && view(row);
    },
    listPending: async (requesterId) =>
      pending()
        .filter((row) => row.requesterId === requesterId)
        .sort(byTime((row) => row.createdAt))
        .map(view),
    changeStatus: async (change) => {
      const row = found(change.id);
      if (!row || row.status !== change.from) return undefined;
      row.status = change.to;
      row.decidedBy = change.actor ?? row.decidedBy;
      row.decisionReason = change.reason ?? row.decisionReason;
      row.approvedVia = change.approvedVia ?? row.approvedVia;
      row.decidedAt = change.to === 'pending' ? null : (row.decidedAt ?? now());
      return view(row);
    },
    markReviewed: async (id, reviewer) => {
      const row = found(id);
      if (!row?.breakglass || row.reviewedBy !== null) return undefined;
      row.reviewedBy = reviewer;
      return view(row);
    },
    setPrincipal: async (id, principal, label, window) => {
      const row = found(id);
      if (!row) return undefined;
      if (window && (row.principal ?? null) === null && row.status === 'pending') {
        row.decideBy = window.decideBy;
        row.remindAt = window.remindAt;
      }
      row.principal ??= principal;
      row.principalLabel ??= label;
      return view(row);
    },
    claimOverdue: async (limit) =>
      pending()
        .filter((row) => row.decideBy !== null && row.decideBy <= now())
        .sort(byTime((row) => row.decideBy))
        .slice(0, limit)
        .map(view),
    claimDueReminders: async (limit) => {
      const due = remindable()
        .filter((row) => row.remindAt !== null && row.remindAt <= now())
        .sort(byTime((row) => row.remindAt))
        .slice(0, limit);
      for (const row of due) row.remindedAt = now();
      return due.map(view);
    },
    nextDeadline: async () => earliest(pending().map((row) => row.decideBy)),
    nextReminderDue: async () => earliest(remindable().map((row) => row.remindAt)),
  };
}
