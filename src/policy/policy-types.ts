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

export interface PolicyStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export interface PolicySummary {
  readonly actions: number;
  readonly resources: number;
  readonly byLevel: Readonly<Partial<Record<AccessLevel, number>>>;
  /** Actions at the Write or Permissions management level, with their level, for bold flags. */
  readonly flagged: readonly { readonly action: string; readonly level: AccessLevel }[];
}

export interface GeneratedPolicy {
  readonly statements: readonly PolicyStatement[];
  readonly summary: PolicySummary;
}

export type PolicyGeneration =
  | { readonly ok: true; readonly policy: GeneratedPolicy }
  | { readonly ok: false; readonly problems: readonly string[] };
