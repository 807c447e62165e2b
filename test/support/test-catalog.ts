import { stringify } from 'yaml';
import { parseCatalog } from '../../src/config/catalog.js';
import type { Catalog } from '../../src/domain/catalog.js';

/** Slack ids used across the request tests. */
export const PEOPLE = {
  requester: 'UREQUESTER1',
  approver1: 'UAPPROVER1',
  approver2: 'UAPPROVER2',
  approver3: 'UAPPROVER3',
  onCall: 'UONCALL1',
  stranger: 'USTRANGER1',
  allowed: 'UALLOWED1',
} as const;

export const ON_CALL_GROUP = 'SONCALL1';

const approvers = { users: [PEOPLE.approver1, PEOPLE.approver2, PEOPLE.requester] };

/** Every kind of target the request flow treats differently, in one catalog. */
export const TEST_CATALOG_DATA = {
  settings: { adminChannel: 'CADMIN1', approvalTimeout: '1h', expiryWarning: '15m' },
  accounts: [
    {
      id: 'prod',
      name: 'Production',
      accountId: '111111111111',
      region: 'us-east-1',
      connectorRoleArn: 'arn:aws:iam::111111111111:role/jitbot-connector',
      externalId: 'test-external-id',
      userMapping: 'email-local-part',
    },
  ],
  targets: [
    {
      id: 'prod-admin',
      name: 'Production admin',
      kind: 'aws-iam-group',
      account: 'prod',
      group: 'jit-prod-admin',
      durations: { default: '1h', max: '4h' },
      approvers,
      approvalChannel: 'CAPPROVALS1',
    },
    {
      id: 'prod-two-person',
      name: 'Production two-person',
      kind: 'aws-iam-group',
      account: 'prod',
      group: 'jit-prod-2p',
      durations: { default: '1h', max: '4h' },
      approvers: { users: [PEOPLE.approver1, PEOPLE.approver2, PEOPLE.approver3], required: 2 },
    },
    {
      id: 'prod-oncall',
      name: 'Production on-call',
      kind: 'aws-iam-group',
      account: 'prod',
      group: 'jit-prod-oncall',
      durations: { default: '1h', max: '8h' },
      approvers: { userGroups: [ON_CALL_GROUP] },
    },
    {
      id: 'prod-self',
      name: 'Production self-approved',
      kind: 'aws-iam-group',
      account: 'prod',
      group: 'jit-prod-self',
      durations: { default: '1h', max: '2h' },
      approvers,
      selfApproval: true,
    },
    {
      id: 'prod-breakglass',
      name: 'Production breakglass',
      kind: 'aws-iam-group',
      account: 'prod',
      group: 'jit-prod-bg',
      durations: { default: '1h', max: '2h' },
      breakglass: true,
    },
    {
      id: 'prod-readonly',
      name: 'Production read-only',
      kind: 'aws-iam-group',
      account: 'prod',
      group: 'jit-prod-ro',
      durations: { default: '1h', max: '1d' },
      approvers,
      autoApprove: { maxDuration: '2h' },
    },
    {
      id: 'prod-restricted',
      name: 'Production restricted',
      kind: 'aws-iam-group',
      account: 'prod',
      group: 'jit-prod-r',
      durations: { default: '1h', max: '4h' },
      approvers,
      requesters: { users: [PEOPLE.allowed] },
    },
  ],
};

export function testCatalog(): Catalog {
  return parseCatalog(stringify(TEST_CATALOG_DATA), 'test-catalog.yaml', {});
}

/** Slack user-group membership for the tests: the on-call group has one member. */
export async function testMembers(group: string): Promise<readonly string[]> {
  return group === ON_CALL_GROUP ? [PEOPLE.onCall] : [];
}
