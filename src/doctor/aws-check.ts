import { type AwsChecks, createAwsChecks } from '../aws/aws-checks.js';
import { createAwsConnector } from '../aws/connector.js';
import { type Account, type Catalog, grantsInIam } from '../domain/catalog.js';
import type { Logger } from '../log/logger.js';
import { checkAssumeRole } from './assume-role-check.js';
import { answeredWithin } from './deadline.js';
import { checkIdentityCenter } from './identity-center-check.js';
import { checkRegion } from './region-check.js';
import { type CheckLine, type CheckResult, fromResult, skip, warn } from './report.js';
import { checkScheduler } from './scheduler-check.js';

type Variables = Readonly<Record<string, string | undefined>>;
type Connector = ReturnType<typeof createAwsConnector>;

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
 * Without a scheduler role: a warning, or nothing for the Identity Center account when nothing
 * else is granted there (the "identity center: backstop" line says it for the grants it concerns).
 */
function noSchedulerLine(label: string, account: Account, catalog: Catalog): CheckLine | undefined {
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

interface AccountContext {
  readonly catalog: Catalog;
  readonly checks: AwsChecks;
  readonly connector: Connector;
  readonly ms: number;
}

async function checkAccount(
  account: Account,
  { catalog, checks, connector, ms }: AccountContext,
  assumedRole: Promise<CheckResult>,
): Promise<CheckLine[]> {
  const label = `aws ${account.id} (${account.accountId})`;
  const granted = grantedIn(catalog, account);
  const region = checkRegion(account);
  const lines = [fromResult(`${label}: region`, region, region.ok ? region.detail : undefined)];
  const scheduler = account.schedulerRoleArn !== undefined;
  if (!region.ok) {
    const reason = 'not checked: needs a correct region';
    lines.push(skip(`${label}: assume connector role`, reason));
    for (const item of granted) lines.push(skip(`${label}: ${item.label}`, reason));
    if (scheduler)
      lines.push(skip(`${label}: scheduler role`, reason), skip(`${label}: schedule group`, reason));
    return lines;
  }
  const assumed = await assumedRole;
  lines.push(fromResult(`${label}: assume connector role`, assumed, account.connectorRoleArn));
  if (!assumed.ok) {
    const reason = 'not checked: needs the connector role';
    for (const item of granted) lines.push(skip(`${label}: ${item.label}`, reason));
    if (scheduler)
      lines.push(skip(`${label}: scheduler role`, reason), skip(`${label}: schedule group`, reason));
    return lines;
  }
  const [results, schedulerLines] = await Promise.all([
    Promise.all(granted.map((item) => timed(item.check(checks), ms))),
    checkScheduler(label, account, catalog, connector, ms),
  ]);
  results.forEach((result, index) => {
    lines.push(fromResult(`${label}: ${granted[index]?.label}`, result, granted[index]?.passes ?? 'exists'));
  });
  lines.push(...schedulerLines);
  const missing = scheduler ? undefined : noSchedulerLine(label, account, catalog);
  if (missing) lines.push(missing);
  return lines;
}

/**
 * AssumeRole into every account, then GetGroup or GetPolicy for what each of its targets grants, and the
 * Identity Center checks. The session is `jitbot-doctor` (the trust policy only admits `jitbot-*` names),
 * so the calls stand out in CloudTrail; each account's role is assumed once for all of them.
 */
export async function checkAws(
  catalog: Catalog,
  variables: Variables,
  logger: Logger,
  timeoutMs: number,
): Promise<CheckLine[]> {
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
        // STS is called in the account's region: with a wrong one there is nothing to ask.
        const region = checkRegion(account);
        result = region.ok
          ? timed(checkAssumeRole(connector, account, variables), timeoutMs)
          : Promise.resolve({
              ok: false,
              problem: `account ${account.id} has a wrong region (${account.region})`,
              fix: `see "aws ${account.id} (${account.accountId}): region"`,
            });
        assumed.set(account.id, result);
      }
      return result;
    };
    const [perAccount, identityCenter] = await Promise.all([
      Promise.all(
        catalog.accounts.map((account) =>
          checkAccount(account, { catalog, checks, connector, ms: timeoutMs }, assume(account)),
        ),
      ),
      checkIdentityCenter(catalog, connector, assume, timeoutMs),
    ]);
    return [...perAccount.flat(), ...identityCenter];
  } finally {
    connector.close();
  }
}
