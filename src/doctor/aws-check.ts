import { type AwsChecks, createAwsChecks } from '../aws/aws-checks.js';
import { createAwsConnector } from '../aws/connector.js';
import { type Account, type Catalog, grantsInIam } from '../domain/catalog.js';
import type { Logger } from '../log/logger.js';
import { answeredWithin } from './deadline.js';
import { checkIdentityCenter } from './identity-center-check.js';
import { type CheckLine, type CheckResult, fromResult, pass, skip, warn } from './report.js';

/** Each check gets one retry for a throttle; a denial is never retried by the SDK anyway. */
const MAX_ATTEMPTS = 2;

/** One thing in an account that a target grants, to check that it is there. */
interface Granted {
  readonly label: string;
  readonly check: (checks: AwsChecks) => Promise<CheckResult>;
  /** What the line says when it passes; default "exists". */
  readonly passes?: string;
}

function grantedIn(catalog: Catalog, account: Account): Granted[] {
  const byLabel = new Map<string, Granted>();
  for (const target of catalog.targets) {
    if (target.kind === 'aws-iam-group' && target.account === account.id)
      byLabel.set(`group ${target.group}`, {
        label: `group ${target.group}`,
        check: (checks) => checks.checkGroupExists(account, target.group),
      });
    if (target.kind === 'aws-iam-policy' && target.account === account.id)
      byLabel.set(`policy ${target.policyArn}`, {
        label: `policy ${target.policyArn}`,
        check: (checks) => checks.checkPolicyExists(account, target.policyArn),
      });
    if (target.kind === 'aws-iam-generated-policy' && target.account === account.id)
      byLabel.set('generated policies', {
        label: 'generated policies',
        check: (checks) => checks.checkGeneratedPolicies(account),
        passes: 'the connector role may create and delete them under /jit/generated/',
      });
  }
  // Drift reads every account's schedules, and the generated policies of those that grant in IAM.
  const iamHere = grantsInIam(catalog, account.id);
  byLabel.set('drift reads', {
    label: 'drift reads',
    check: (checks) => checks.checkDriftReads(account, iamHere),
    passes: iamHere
      ? "the connector role may list jitbot's policies and schedules"
      : "the connector role may list jitbot's schedules",
  });
  return [...byLabel.values()];
}

function timed(work: Promise<CheckResult>, ms: number): Promise<CheckResult> {
  return answeredWithin(work, ms, {
    from: 'AWS',
    fix: 'check that this machine can reach AWS STS and IAM (proxy, firewall, AWS_ENDPOINT_URL)',
  });
}

/**
 * Undefined for the Identity Center account without a scheduler role when nothing else is granted
 * there: the "identity center: backstop" line says it for the grants it concerns.
 */
function schedulerLine(label: string, account: Account, catalog: Catalog): CheckLine | undefined {
  if (account.schedulerRoleArn) return pass(`${label}: scheduler role`, account.schedulerRoleArn);
  const grantsHere = catalog.targets.some(
    (target) =>
      (target.kind === 'aws-iam-group' ||
        target.kind === 'aws-iam-policy' ||
        target.kind === 'aws-iam-generated-policy') &&
      target.account === account.id,
  );
  if (catalog.identityCenter?.account === account.id && !grantsHere) return undefined;
  return warn(
    `${label}: scheduler role`,
    'no schedulerRoleArn, so no backstop: if jitbot is down when access ends, it stays until jitbot is back',
    "deploy the scheduler role in that account and set the account's schedulerRoleArn in the catalog",
  );
}

async function checkAccount(
  account: Account,
  catalog: Catalog,
  checks: AwsChecks,
  assumedRole: Promise<CheckResult>,
  ms: number,
): Promise<CheckLine[]> {
  const label = `aws ${account.id} (${account.accountId})`;
  const granted = grantedIn(catalog, account);
  const assumed = await assumedRole;
  const lines = [fromResult(`${label}: assume connector role`, assumed, account.connectorRoleArn)];
  if (assumed.ok) {
    const results = await Promise.all(granted.map((item) => timed(item.check(checks), ms)));
    results.forEach((result, index) => {
      lines.push(
        fromResult(`${label}: ${granted[index]?.label}`, result, granted[index]?.passes ?? 'exists'),
      );
    });
  } else {
    for (const item of granted)
      lines.push(skip(`${label}: ${item.label}`, 'not checked: needs the connector role'));
  }
  const scheduler = schedulerLine(label, account, catalog);
  if (scheduler) lines.push(scheduler);
  return lines;
}

/**
 * AssumeRole into every account, then GetGroup or GetPolicy for what each of its targets grants, and the
 * Identity Center checks. The session is `jitbot-doctor` (the trust policy only admits `jitbot-*` names),
 * so the calls stand out in CloudTrail; each account's role is assumed once for all of them.
 */
export async function checkAws(catalog: Catalog, logger: Logger, timeoutMs: number): Promise<CheckLine[]> {
  if (catalog.accounts.length === 0) return [];
  const connector = createAwsConnector({
    accounts: catalog.accounts,
    // The doctor's calls are not jitbot's work on anyone's behalf: they stay out of the audit log.
    record: async () => undefined,
    logger,
    maxAttempts: MAX_ATTEMPTS,
  });
  try {
    const checks = createAwsChecks(connector);
    const assumed = new Map<string, Promise<CheckResult>>();
    const assume = (account: Account) => {
      let result = assumed.get(account.id);
      if (result === undefined) {
        result = timed(checks.checkAssumeRole(account), timeoutMs);
        assumed.set(account.id, result);
      }
      return result;
    };
    const [perAccount, identityCenter] = await Promise.all([
      Promise.all(
        catalog.accounts.map((account) => checkAccount(account, catalog, checks, assume(account), timeoutMs)),
      ),
      checkIdentityCenter(catalog, connector, assume, timeoutMs),
    ]);
    return [...perAccount.flat(), ...identityCenter];
  } finally {
    connector.close();
  }
}
