/** Fixed-id builders for Slack message tests: each test overrides only what its rule is about. */

import type { AccessRequest } from '../../src/domain/request.js';
import type { GrantSummary, RequestView, TargetSummary } from '../../src/slack/blocks/types.js';

export const REQUEST_ID = 'REQ-7K3M9QX2';
export const REQUESTER = 'U0REQUESTER';
export const APPROVER = 'U0APPROVER1';
export const APPROVER_2 = 'U0APPROVER2';
export const APPROVER_GROUP = 'S0APPROVERS';
export const CREATED_AT = new Date('2025-03-01T14:00:00Z');
export const DECIDED_AT = new Date('2025-03-01T14:05:00Z');

export function buildTarget(overrides: Partial<TargetSummary> = {}): TargetSummary {
  return {
    id: 'prod-admin',
    name: 'Production admin',
    location: 'Production (111111111111)',
    maxSeconds: 14_400,
    defaultSeconds: 3600,
    breakglass: false,
    approverUsers: [APPROVER],
    approverGroups: [],
    approvalsRequired: 1,
    ...overrides,
  };
}

export function buildRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: REQUEST_ID,
    targetId: 'prod-admin',
    requesterId: REQUESTER,
    principal: 'alice',
    durationSeconds: 7200,
    justification: 'Investigating INC-1234: checkout errors',
    ticket: null,
    status: 'pending',
    approvalsRequired: 1,
    breakglass: false,
    decideBy: null,
    decidedAt: null,
    decidedBy: null,
    decisionReason: null,
    createdAt: CREATED_AT,
    ...overrides,
  };
}

export const GRANT_ID = 'GNT-7K3M9QX2';
export const EXPIRES_AT = new Date('2025-03-01T16:05:00Z');

export function buildGrant(overrides: Partial<GrantSummary> = {}): GrantSummary {
  return {
    id: GRANT_ID,
    status: 'active',
    expiresAt: EXPIRES_AT,
    preExisting: false,
    revokedAt: null,
    revokedBy: null,
    revokeReason: null,
    ...overrides,
  };
}

export interface RequestViewOverrides {
  readonly request?: Partial<AccessRequest>;
  readonly target?: Partial<TargetSummary>;
  readonly approvedBy?: readonly string[];
  readonly grant?: GrantSummary;
  readonly hasAccessUntil?: Date;
}

export function buildRequestView(overrides: RequestViewOverrides = {}): RequestView {
  return {
    request: buildRequest(overrides.request),
    target: buildTarget(overrides.target),
    approvedBy: overrides.approvedBy ?? [],
    ...(overrides.grant ? { grant: overrides.grant } : {}),
    ...(overrides.hasAccessUntil ? { hasAccessUntil: overrides.hasAccessUntil } : {}),
  };
}

/** `count` targets named t-1… spread over `locations` locations, in order. */
export function buildTargets(count: number, locations = 1): TargetSummary[] {
  return Array.from({ length: count }, (_, index) =>
    buildTarget({
      id: `t-${index + 1}`,
      name: `Target ${index + 1}`,
      location: `Account ${(index % locations) + 1}`,
    }),
  );
}
