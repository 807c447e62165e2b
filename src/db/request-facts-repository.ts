import type { StoredGrant } from '../domain/grant.js';
import type { Approval, DecisionKind, StoredRequest } from '../domain/request.js';
import type { StoredRequestFacts } from '../ports/request-stores.js';
import { GRANT_FIELDS } from './grants-repository.js';
import { activeGrantUntil } from './live-grants-repository.js';
import { type Queryable, selectList } from './pool.js';
import { REQUEST_FIELDS } from './requests-repository.js';

/** Column names that mark where the grant's columns and the rest begin in the row. */
const GRANT_PART = '<grant>';
const REST_PART = '<rest>';

/**
 * The request, its grant and its approvals in order, in one round trip: every message and Home
 * about a request reads these, several times per request. The row comes as an array (the two
 * tables' columns share names) and is split at the marker columns. Cheaper for PostgreSQL to plan
 * than the three statements it replaces; what the requester already holds (only asked while
 * pending) is a statement of its own, as folding it in cost more planning than it saved.
 */
const FACTS_SQL = `
  SELECT ${selectList(REQUEST_FIELDS, 'r')}, NULL AS "${GRANT_PART}", ${selectList(GRANT_FIELDS, 'g')},
         NULL AS "${REST_PART}",
         (SELECT json_agg(json_build_object('approverId', approver_id, 'decision', decision,
                                            'reason', reason, 'createdAt', created_at) ORDER BY id)
            FROM approvals WHERE request_id = r.id) AS approvals
    FROM requests r LEFT JOIN grants g ON g.id = r.grant_id
   WHERE r.id = $1`;

function objectOf(names: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  return Object.fromEntries(names.map((name, index) => [name, values[index]]));
}

interface ApprovalJson {
  readonly approverId: string;
  readonly decision: DecisionKind;
  readonly reason: string | null;
  readonly createdAt: string;
}

export async function readRequestFactsRow(
  db: Queryable,
  requestId: string,
): Promise<StoredRequestFacts | undefined> {
  const result = await db.query<unknown[]>({ text: FACTS_SQL, values: [requestId], rowMode: 'array' });
  const row = result.rows[0];
  if (!row) return undefined;
  const names = result.fields.map((field) => field.name);
  const grantAt = names.indexOf(GRANT_PART);
  const restAt = names.indexOf(REST_PART);
  const request = objectOf(names.slice(0, grantAt), row.slice(0, grantAt)) as unknown as StoredRequest;
  const grant = objectOf(names.slice(grantAt + 1, restAt), row.slice(grantAt + 1, restAt));
  const read = (row[restAt + 1] ?? []) as ApprovalJson[];
  const approvals: Approval[] = read.map((one) => ({
    requestId,
    ...one,
    createdAt: new Date(one.createdAt),
  }));
  const activeUntil =
    request.status === 'pending'
      ? await activeGrantUntil(db, request.requesterId, request.targetId)
      : undefined;
  return {
    request,
    approvals,
    ...(grant.id !== null ? { grant: grant as unknown as StoredGrant } : {}),
    ...(activeUntil ? { activeUntil } : {}),
  };
}
