import type { AwsIamGroupTarget } from '../../src/domain/catalog.js';

/**
 * The Production admin target as the catalog parser gives it (IAM group jit-prod-admin in `prod`):
 * 1h by default, 4h at most, one approval from U1, no self-approval, no breakglass.
 */
export const PROD_ADMIN_TARGET = {
  id: 'prod-admin',
  name: 'Production admin',
  kind: 'aws-iam-group',
  account: 'prod',
  group: 'jit-prod-admin',
  durations: { defaultSeconds: 3600, maxSeconds: 4 * 3600 },
  approvers: { users: ['U1'], userGroups: [], required: 1 },
  selfApproval: false,
  breakglass: false,
  standingMembers: [],
  onDrift: 'alert',
} as const satisfies AwsIamGroupTarget;
