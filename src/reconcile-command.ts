import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { createJitbotInventory } from './aws/jitbot-inventory.js';
import { RECONCILE_USAGE } from './cli-usage.js';
import { loadCatalog } from './config/catalog.js';
import {
  checkGeneratedPolicyTargets,
  hasGeneratedPolicyTargets,
} from './config/catalog-generated-policy-actions.js';
import type { Env } from './config/env.js';
import { createCallRecorder } from './db/call-audit.js';
import { openDatabase } from './db/database.js';
import { notifyDueWork } from './db/jobs-repository.js';
import type { Finding } from './domain/drift.js';
import { describeError } from './errors.js';
import { useOutboundProxy } from './http/outbound-proxy.js';
import type { Logger } from './log/logger.js';
import { warmActionData } from './policy/action-data.js';
import { createProviders } from './providers/registry.js';
import { type FixMode, type ReconcileReport, reconcile } from './workflow/reconcile.js';

export { RECONCILE_USAGE };

function findingLine(finding: Finding): string {
  return [finding.kind, finding.targetId ?? finding.account ?? '-', finding.words].join('  ');
}

function print(report: ReconcileReport, write: (line: string) => void): void {
  const drift = report.findings.filter((finding) => finding.kind !== 'adopted');
  const adopted = report.findings.length - drift.length;
  if (drift.length === 0) {
    const scope = report.unread.length > 0 ? 'in what could be read, ' : '';
    write(`no drift: ${scope}what AWS, Okta and Identity Center hold matches jitbot's grants`);
  }
  for (const finding of drift) write(findingLine(finding));
  if (adopted > 0)
    write(`adopted ${adopted} holder(s) found on first reading as pre-existing: never removed`);
  for (const fix of report.fixes) write(`${fix.ok ? 'fixed' : 'NOT FIXED'}  ${fix.words}`);
  for (const line of report.unread) write(`could not read  ${line}`);
  const unknown = drift.filter((finding) => NEVER_FIXED.has(finding.kind)).length;
  if (unknown > 0 && report.fixes.length > 0)
    write(
      `left alone  ${unknown} schedule(s) or policies of grants this database does not know: delete them by hand if they are not another install's`,
    );
}

/** What jitbot reports and never deletes: it may belong to another install in the account. */
const NEVER_FIXED: ReadonlySet<string> = new Set(['unknown-schedule', 'unknown-policy']);

/**
 * 0: nothing found (with --fix: everything fixed; schedules and policies of unknown grants are
 * reported and left alone); 2: found (report only); 1: anything else.
 */
export function exitCodeOf(report: ReconcileReport, mode: FixMode): number {
  if (report.unread.length > 0) return 1;
  const drift = report.findings.filter((finding) => finding.kind !== 'adopted');
  if (mode === 'report') return drift.length === 0 ? 0 : 2;
  const fixed = new Set(report.fixes.filter((fix) => fix.ok).map((fix) => fix.key));
  return drift.every((finding) => fixed.has(finding.key) || NEVER_FIXED.has(finding.kind)) ? 0 : 1;
}

export interface ReconcileCommandInputs {
  readonly env: Env;
  readonly variables: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly write: (line: string) => void;
  readonly awsEndpoint?: string;
}

/** `jitbot reconcile ...`: the exit code. */
export async function runReconcileCommand(
  args: readonly string[],
  inputs: ReconcileCommandInputs,
): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args);
  } catch (error) {
    inputs.write(`${describeError(error)}\n\n${RECONCILE_USAGE}`);
    // Not 2: that says drift was found.
    return 1;
  }
  const { env, variables, logger } = inputs;
  const catalog = loadCatalog(env.JITBOT_CATALOG, variables);
  if (hasGeneratedPolicyTargets(catalog)) {
    await warmActionData();
    await checkGeneratedPolicyTargets(catalog, env.JITBOT_CATALOG);
  }
  const database = await openDatabase(env, logger);
  const record = createCallRecorder(database.pool);
  // Before the providers make their AWS and Okta clients.
  const proxy = useOutboundProxy(env);
  if (proxy.description !== undefined) logger.info(proxy.description);
  for (const warning of proxy.warnings) logger.warn(warning);
  const providers = createProviders({
    catalog,
    record,
    logger,
    ...(inputs.awsEndpoint ? { awsEndpoint: inputs.awsEndpoint } : {}),
  });
  try {
    const mode: FixMode = parsed.fix ? 'all' : 'report';
    const report = await reconcile(
      {
        pool: database.pool,
        catalog,
        providers: providers.registry,
        inventory: createJitbotInventory({ connector: providers.aws, record }),
        logger,
      },
      { mode, actor: parsed.by },
    );
    // The servers' workers run what the fixes wrote (revocations due now) at once, not at their next look.
    if (report.fixes.length > 0) await notifyDueWork(database.pool);
    if (parsed.json) inputs.write(JSON.stringify({ ...report, fresh: [...report.fresh] }, null, 2));
    else print(report, inputs.write);
    return exitCodeOf(report, mode);
  } finally {
    providers.close();
    await proxy.close();
    await database.close();
  }
}

function parseOptions(args: readonly string[]) {
  const { values } = parseArgs({
    args: [...args],
    options: { fix: { type: 'boolean' }, json: { type: 'boolean' }, by: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.by !== undefined && !values.fix)
    throw new Error('--by goes with --fix: it names who decided the fixes');
  return {
    fix: values.fix === true,
    json: values.json === true,
    by: values.by ?? `cli:${userInfo().username}`,
  };
}
