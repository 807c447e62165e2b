/**
 * The catalogs and requests of the policy-generation benchmark: one account, a group target, and
 * the scoped S3/logs target of issue 13 either as an aws-iam-generated-policy or, for the start-up
 * comparison, replaced by an aws-iam-policy target of the same id.
 */
import { randomBytes } from 'node:crypto';
import { EXAMPLE_ACCOUNT_ID, EXAMPLE_ALLOW, EXAMPLE_DENY } from '../../test/support/example-bounds.js';

export const ACCOUNT_ID = EXAMPLE_ACCOUNT_ID;
export const CONNECTOR_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/jitbot-connector`;
export const EXTERNAL_ID = 'bench-external-id';
export const APPROVER_ID = 'UAPPROVER1';
export const TARGET_ID = 'team-a-s3';
export const GROUP = 'jit-readonly';
export const POLICY_ARN = `arn:aws:iam::${ACCOUNT_ID}:policy/jit/team-a-s3-read`;

const common = {
  durations: { default: '1h', max: '4h' },
  approvers: { users: [APPROVER_ID] },
};

const generatedTarget = {
  id: TARGET_ID,
  name: 'Team A S3, scoped',
  kind: 'aws-iam-generated-policy',
  account: 'prod',
  allow: EXAMPLE_ALLOW,
  deny: EXAMPLE_DENY,
  ...common,
};

const policyTarget = {
  id: TARGET_ID,
  name: 'Team A S3, read',
  kind: 'aws-iam-policy',
  account: 'prod',
  policyArn: POLICY_ARN,
  ...common,
};

export type CatalogVariant = 'generated-policy' | 'fixed-policy';

export function benchCatalog(variant: CatalogVariant) {
  return {
    settings: {
      adminChannel: 'CADMIN1',
      approvalTimeout: '1h',
      expiryWarning: '15m',
      allowedEmailDomains: ['example.com'],
    },
    accounts: [
      {
        id: 'prod',
        name: 'Production',
        accountId: ACCOUNT_ID,
        region: 'us-east-1',
        connectorRoleArn: CONNECTOR_ROLE_ARN,
        externalId: EXTERNAL_ID,
        schedulerRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/jitbot-scheduler`,
        userMapping: 'email-local-part',
      },
    ],
    targets: [
      {
        id: 'prod-readonly',
        name: 'Production read-only',
        kind: 'aws-iam-group',
        account: 'prod',
        group: GROUP,
        ...common,
      },
      variant === 'generated-policy' ? generatedTarget : policyTarget,
    ],
  };
}

/** A tag of this run's own, so a database given in DATABASE_URL may hold earlier runs' requests. */
const RUN = randomBytes(3).toString('hex').toUpperCase();

/** Bench requesters: Slack ids whose email's local part is also their IAM user's name. */
export const requesterId = (index: number) => `UBENCH${RUN}X${String(index).padStart(4, '0')}`;
export const iamUserOf = (slackId: string) => slackId.toLowerCase();

/**
 * Ten statement lines inside the target's bounds, with buckets of this request's own so no two
 * requests ask for the same thing: GetObject on a bucket's objects and ListBucket on the bucket,
 * alternating over five buckets (nine lines), then FilterLogEvents on a log group.
 */
export function permissionLines(index: number): string {
  const lines: string[] = [];
  for (let line = 0; line < 9; line += 1) {
    const bucket = `team-a-logs-${index}-${Math.floor(line / 2)}`;
    lines.push(
      line % 2 === 0 ? `s3:GetObject arn:aws:s3:::${bucket}/*` : `s3:ListBucket arn:aws:s3:::${bucket}`,
    );
  }
  lines.push(`logs:FilterLogEvents arn:aws:logs:us-east-1:${ACCOUNT_ID}:log-group:/team-a/app-${index}`);
  return lines.join('\n');
}
