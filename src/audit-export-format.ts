/**
 * The lines of `jitbot audit export`: one record per audit event with the content of an audit
 * record as auditors ask for it (NIST SP 800-53 AU-3): what happened (action, details), when
 * (occurred_at), where (target, account, resource), its source (the jitbot component, the
 * request and grant it belongs to), its outcome, and who (actor: a Slack user id, `jitbot` for the
 * service itself, `cli:<name>` for an admin at the command line).
 */
import type { ExportedEvent } from './db/audit-export-repository.js';
import { csvField, csvLine } from './table-text.js';

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The record's fields in their one order: the JSON keys and the CSV columns. */
export const EXPORT_FIELDS = [
  'id',
  'occurred_at',
  'action',
  'component',
  'outcome',
  'actor',
  'request_id',
  'grant_id',
  'target_id',
  'account',
  'resource',
  'principal',
  'provider_request_id',
  'details',
] as const;

type ExportRecord = { readonly [field in Exclude<(typeof EXPORT_FIELDS)[number], 'details'>]: unknown };

/** Every field but the details, in EXPORT_FIELDS' order, so every line has the same keys in the same order. */
export function exportRecord(event: ExportedEvent): ExportRecord {
  return {
    id: Number(event.id),
    occurred_at: event.occurredAt,
    action: event.action,
    // The part before the first dot: request, grant, breakglass, drift, or aws / okta for a call.
    component: event.action.split('.')[0] ?? event.action,
    outcome: event.outcome,
    actor: event.actor,
    request_id: event.requestId,
    grant_id: event.grantId,
    target_id: event.targetId,
    account: event.account,
    resource: event.resource,
    principal: event.principal,
    provider_request_id: event.providerRequestId,
  };
}

/** The details go in last as the database wrote them: a million JSON parses saved, nothing reworded. */
export function jsonlLine(event: ExportedEvent): string {
  return `${JSON.stringify(exportRecord(event)).slice(0, -1)},"details":${event.details}}\n`;
}

export const CSV_HEADER = csvLine([...EXPORT_FIELDS]);

export function csvRecordLine(event: ExportedEvent): string {
  const record = exportRecord(event);
  const fields = EXPORT_FIELDS.map((field) => {
    const value = field === 'details' ? event.details : record[field];
    return value === null ? '' : csvField(String(value));
  });
  return csvLine(fields);
}
