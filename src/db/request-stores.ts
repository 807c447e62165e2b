/**
 * The request stores (ports/request-stores.ts) on PostgreSQL: each port method is the repository
 * function of the same meaning, bound to the pool or to one transaction's client. Nothing here
 * adds SQL; the repositories and their PostgreSQL tests stay the truth.
 */
import type pg from 'pg';
import type { RequestStoreSet, RequestStores } from '../ports/request-stores.js';
import { listApprovals, recordApproval } from './approvals-repository.js';
import { appendAudit, auditServiceStep } from './audit-repository.js';
import { findGrant } from './grants-repository.js';
import { enqueueJob } from './jobs-repository.js';
import { activeGrantUntil, listLiveGrants } from './live-grants-repository.js';
import { inTransaction, type Queryable } from './pool.js';
import { readRequestFactsRow } from './request-facts-repository.js';
import { findHeldAccess, lockRequester, recentRequestTimes } from './request-limits-repository.js';
import {
  changeStatus,
  claimDueReminders,
  claimOverdueRequests,
  findPendingRequest,
  findRequest,
  insertRequest,
  listPendingRequests,
  lockRequest,
  markReviewed,
  nextReminderDue,
  nextRequestDeadline,
  setPrincipal,
} from './requests-repository.js';

/** The stores on one connection: the pool (each call its own statement) or a transaction's client. */
function bindStores(db: Queryable): RequestStoreSet {
  return {
    requests: {
      find: (id) => findRequest(db, id),
      lock: (id) => lockRequest(db, id),
      insert: (request) => insertRequest(db, request),
      findPending: (requesterId, targetId) => findPendingRequest(db, requesterId, targetId),
      listPending: (requesterId) => listPendingRequests(db, requesterId),
      changeStatus: (change) => changeStatus(db, change),
      markReviewed: (id, reviewer) => markReviewed(db, id, reviewer),
      setPrincipal: (id, principal, label, window) => setPrincipal(db, id, principal, label, window),
      claimOverdue: (limit) => claimOverdueRequests(db, limit),
      claimDueReminders: (limit) => claimDueReminders(db, limit),
      nextDeadline: () => nextRequestDeadline(db),
      nextReminderDue: () => nextReminderDue(db),
    },
    approvals: {
      record: (requestId, approverId, decision, reason) =>
        recordApproval(db, requestId, approverId, decision, reason),
      list: (requestId) => listApprovals(db, requestId),
    },
    audit: {
      append: (event) => appendAudit(db, event),
      serviceStep: (action, request) => auditServiceStep(db, action, request),
    },
    outbox: { enqueue: (job) => enqueueJob(db, job) },
    limits: {
      lockRequester: (requesterId) => lockRequester(db, requesterId),
      recentRequestTimes: (requesterId, withinSeconds, limit) =>
        recentRequestTimes(db, requesterId, withinSeconds, limit),
      findHeldAccess: (requesterId, resource, perRequest) =>
        findHeldAccess(db, requesterId, resource, perRequest),
    },
    facts: { read: (requestId) => readRequestFactsRow(db, requestId) },
    grants: {
      find: (id) => findGrant(db, id),
      listLive: (requesterId) => listLiveGrants(db, requesterId),
      activeUntil: (requesterId, targetId) => activeGrantUntil(db, requesterId, targetId),
    },
  };
}

export function createPostgresRequestStores(pool: pg.Pool): RequestStores {
  return {
    ...bindStores(pool),
    transaction: (work) => inTransaction(pool, (client) => work(bindStores(client))),
  };
}
