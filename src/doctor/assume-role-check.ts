import { awsErrorFacts, toProviderError } from '../aws/aws-errors.js';
import type { AwsConnector } from '../aws/connector.js';
import type { Account } from '../domain/catalog.js';
import { isProviderError } from '../ports/access-provider.js';
import type { CheckResult } from './report.js';

type Variables = Readonly<Record<string, string | undefined>>;

/** The doctor's calls go in the session `jitbot-doctor`, so they stand out in CloudTrail. */
export const DOCTOR_CONTEXT = { requestId: 'doctor', actor: 'jitbot' } as const;

/** Long enough for AWS's sentence with two ARNs; a longer one is not what the admin needs. */
const MAX_AWS_WORDS = 600;

/** AWS's own words: they name the caller that was refused, which the causes below turn on. */
function awsWords(cause: unknown): string {
  return awsErrorFacts(cause).awsMessage.replace(/\s+/g, ' ').trim().slice(0, MAX_AWS_WORDS);
}

/** `arn:aws:sts::999:assumed-role/jitbot/i-0ab` names the role `arn:aws:iam::999:role/jitbot`. */
function describeCaller(caller: string): string {
  const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(caller);
  if (!session) return caller;
  const [, partition, accountId, role] = session;
  return `${caller}, a session of the role arn:${partition}:iam::${accountId}:role/${role}`;
}

/** The environment variables the account's external ID came from (names only: the value is a secret). */
function externalIdSource(account: Account, variables: Variables): string {
  const names = Object.keys(variables).filter(
    (name) => variables[name] !== undefined && variables[name] === account.externalId,
  );
  return names.length > 0 ? names.join(' / ') : `the externalId of account ${account.id}`;
}

/**
 * AccessDenied on AssumeRole, with AWS's message (it names the caller) and the four causes of
 * docs/deploy.md's troubleshooting, in its order. AWS's message never holds the external ID;
 * the report's redactor would remove it if it ever did.
 */
function denied(account: Account, cause: unknown, variables: Variables): CheckResult {
  const said = awsWords(cause);
  const caller = /\bUser: (\S+) is not authorized/.exec(said)?.[1];
  const identity = caller ? describeCaller(caller) : 'the identity jitbot runs as';
  const role = account.connectorRoleArn;
  const problem = [
    `cannot assume the connector role ${role} in account ${account.accountId}${said ? `: AWS says "${said}"` : ''}`,
    'One of these, most likely first (docs/deploy.md, Troubleshooting):',
    `1. external ID mismatch: ${externalIdSource(account, variables)} differs from the external ID the role was deployed with (look for a trailing space or newline, or another account's value)`,
    `2. wrong principal: the role's trust policy does not name ${identity} (aws sts get-caller-identity inside jitbot's container shows who jitbot runs as)`,
    `3. jitbot's own identity lacks sts:AssumeRole on ${role} in its own policy`,
    `4. an SCP or permissions boundary in jitbot's account or in account ${account.accountId} denies it`,
  ].join('\n');
  return {
    ok: false,
    problem,
    fix: `check them in that order: redeploy the connector role with the external ID in jitbot's environment and jitbot's principal (JitbotPrincipalArn), or correct the value in jitbot's environment and restart`,
  };
}

/** AssumeRole of the account's connector role, as jitbot's grants do it. */
export async function checkAssumeRole(
  connector: Pick<AwsConnector, 'clientsFor'>,
  account: Account,
  variables: Variables,
): Promise<CheckResult> {
  try {
    await connector.clientsFor(account, DOCTOR_CONTEXT);
    return { ok: true };
  } catch (error) {
    if (isProviderError(error) && error.code === 'assume_role_denied')
      return denied(account, error.cause, variables);
    const failure = toProviderError(error, {
      operation: 'sts:AssumeRole',
      accountId: account.accountId,
      resource: `role ${account.connectorRoleArn}`,
    });
    return {
      ok: false,
      problem: failure.message,
      fix: failure.retryable
        ? `try again in a minute; if it persists, check that this machine can reach AWS STS in ${account.region}`
        : "check jitbot's own AWS credentials and the connector role ARN in the catalog",
    };
  }
}
