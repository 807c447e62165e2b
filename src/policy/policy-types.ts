import type { PermissionStatement, PermissionSummary } from '../domain/request.js';
import type { AccessLevel } from './action-data.js';

/** The shapes the policy engine takes and gives; generate-policy.ts re-exports them. */

/** A target's bounds: every request must fall inside them. */
export interface PolicyBounds {
  /** Action patterns (`s3:Get*`) and resource ARN patterns (`arn:aws:s3:::team-a-*`). */
  readonly allow: { readonly actions: readonly string[]; readonly resources: readonly string[] };
  /** Action patterns never granted, even inside allow. */
  readonly deny: { readonly actions: readonly string[] };
  /** The most distinct actions one request may hold once wildcards are expanded. */
  readonly maxActions: number;
  /** The target account's 12 digits. */
  readonly accountId: string;
  /** 'aws' | 'aws-us-gov' | 'aws-cn'. */
  readonly partition: string;
}

/** A statement as a request stores it: the engine builds exactly these. */
export type PolicyStatement = PermissionStatement;

/** The summary a request stores, with the levels the action data names. */
export interface PolicySummary extends PermissionSummary {
  readonly byLevel: Readonly<Partial<Record<AccessLevel, number>>>;
  readonly flagged: readonly { readonly action: string; readonly level: AccessLevel }[];
}

export interface GeneratedPolicy {
  readonly statements: readonly PolicyStatement[];
  readonly summary: PolicySummary;
}

export type PolicyGeneration =
  | { readonly ok: true; readonly policy: GeneratedPolicy }
  | { readonly ok: false; readonly problems: readonly string[] };
