/**
 * The bounds of the example generated-policy target (prod-s3-scoped, account
 * 111111111111): the catalog tests, the policy engine's tests and the benchmark all start here.
 */
export const EXAMPLE_ACCOUNT_ID = '111111111111';

export const EXAMPLE_ALLOW = {
  actions: ['s3:Get*', 's3:List*', 'logs:FilterLogEvents'],
  resources: [
    'arn:aws:s3:::team-a-*',
    'arn:aws:s3:::team-a-*/*',
    `arn:aws:logs:us-east-1:${EXAMPLE_ACCOUNT_ID}:log-group:/team-a/*`,
  ],
};

export const EXAMPLE_DENY = { actions: ['s3:GetObjectAcl'] };
