import { createHash } from 'node:crypto';
import type { PolicyStatement } from './policy-types.js';

/**
 * The IAM policy document of a generated policy. Every statement ends at the expiry by itself
 * (aws:CurrentTime), so the access stops even if revocation never runs.
 */

/** IAM's limit for a customer managed policy, in characters, whitespace excluded. */
export const POLICY_SIZE_LIMIT = 6144;

export interface PolicyDocumentStatement {
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition: { readonly DateLessThan: { readonly 'aws:CurrentTime': string } };
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyDocumentStatement[];
}

/** 'YYYY-MM-DDTHH:MM:SSZ' in UTC: the form IAM's date conditions read, without milliseconds. */
export function expiryText(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/** The IAM policy document: one statement per PolicyStatement, each with Condition {DateLessThan: {"aws:CurrentTime": <expiry>}}; expiry a Date (written 'YYYY-MM-DDTHH:MM:SSZ', UTC, no millis) or a placeholder string shown to approvers before approval. */
export function policyDocument(
  statements: readonly PolicyStatement[],
  expiry: Date | string,
): PolicyDocument {
  const time = typeof expiry === 'string' ? expiry : expiryText(expiry);
  return {
    Version: '2012-10-17',
    Statement: statements.map((statement) => ({
      Effect: 'Allow',
      Action: [...statement.actions],
      Resource: [...statement.resources],
      Condition: { DateLessThan: { 'aws:CurrentTime': time } },
    })),
  };
}

/** What CreatePolicy gets: no whitespace outside strings. */
export function compactPolicyJson(doc: PolicyDocument): string {
  return JSON.stringify(doc);
}

/** 2-space pretty, for Slack. */
export function readablePolicyJson(doc: PolicyDocument): string {
  return JSON.stringify(doc, null, 2);
}

/** Counted as IAM counts it: whitespace outside strings excluded, characters not bytes. */
export function policySize(doc: PolicyDocument): number {
  return [...compactPolicyJson(doc)].length;
}

/** sha256 hex of compactPolicyJson: what the audit records next to the document. */
export function policyHash(doc: PolicyDocument): string {
  return createHash('sha256').update(compactPolicyJson(doc)).digest('hex');
}
