import type { KnownBlock, View } from '@slack/types';
import type { AccessRequest } from '../../domain/request.js';

/** A message body: blocks for Slack clients, `text` for notifications and screen readers. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: KnownBlock[];
}

export type { View };

/** What a target looks like to people: its display name and where it lives. */
export interface TargetSummary {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  /** e.g. "Production (111111111111)" for AWS, "Okta" for Okta groups. */
  readonly location: string;
  /** What exactly is granted: "IAM group jit-admin in Production (111111111111)"; absent when unknown. */
  readonly access?: string;
  /** What removal does not end (sessions already started), for approvers and the holder. */
  readonly sessions?: string;
  /** Where the holder uses the access (the AWS access portal). */
  readonly signIn?: string;
  readonly maxSeconds: number;
  readonly defaultSeconds: number;
  readonly breakglass: boolean;
  /** Who can approve, as Slack mentions will render them: user ids and user-group ids. */
  readonly approverUsers: readonly string[];
  readonly approverGroups: readonly string[];
  readonly approvalsRequired: number;
  /** Set for a generated policy: the form asks for permissions inside these bounds. */
  readonly permissionBounds?: PermissionBounds;
}

export interface PermissionBounds {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly deny: readonly string[];
}

/** A request with everything a message about it shows. */
export interface RequestView {
  readonly request: AccessRequest;
  readonly target: TargetSummary;
  /** Distinct approvers so far, in order. */
  readonly approvedBy: readonly string[];
  /** The access the approval created or extended, once the grant exists. */
  readonly grant?: GrantSummary;
  /** While pending: the requester already has this access until then (the request extends it). */
  readonly hasAccessUntil?: Date;
}

export interface GrantSummary {
  readonly id: string;
  readonly status: 'pending' | 'active' | 'revoking' | 'revoked' | 'failed';
  readonly expiresAt: Date;
  /** The person had the access before jitbot acted: jitbot leaves it in place. */
  readonly preExisting: boolean;
  readonly revokedAt: Date | null;
  /** Slack user id, or `jitbot` at expiry. */
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
}
