import { appendAudit } from '../db/audit-repository.js';
import {
  alertsShowing,
  createDriftAlert,
  grantsForDrift,
  readBaseline,
  recordBaseline,
  recordFindings,
  resolveFinding,
} from '../db/drift-repository.js';
import { inTransaction } from '../db/pool.js';
import { type Catalog, findTarget, grantsInIam, type Target } from '../domain/catalog.js';
import {
  type Finding,
  findDrift,
  type GeneratedPolicySeen,
  grantIdFromName,
  type ScheduleSeen,
  type TargetReading,
} from '../domain/drift.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { type ProviderRegistry, providerFor } from '../ports/access-provider.js';
import type { JitbotInventory } from '../ports/jitbot-inventory.js';
import { type FixOutcome, fixFinding } from './drift-fixes.js';
import type { GrantWorkflowDeps } from './grant-deps.js';
import { enqueueJob, JOB_KINDS } from './job-kinds.js';

export interface ReconcileDeps extends Pick<GrantWorkflowDeps, 'pool' | 'catalog' | 'providers' | 'onWork'> {
  readonly inventory?: JitbotInventory;
  readonly logger: Logger;
}

/**
 * What a run does about what it finds: `report` changes nothing (`jitbot reconcile`); `heal`
 * fixes what is jitbot's own to fix (lost grants, stuck expiries, orphan schedules and policies)
 * and removes standing access where the target says `onDrift: remove` (the periodic run); `all`
 * also removes every standing access (`jitbot reconcile --fix`: an admin decided).
 */
export type FixMode = 'report' | 'heal' | 'all';

export interface ReconcileReport {
  readonly findings: readonly Finding[];
  /** Keys of the findings this run saw first. */
  readonly fresh: ReadonlySet<string>;
  readonly fixes: readonly FixOutcome[];
  /** What could not be read, in words: its findings are neither reported nor resolved this run. */
  readonly unread: readonly string[];
}

/** A grant that ended longer ago than this no longer explains a holder: it is standing access. */
const ENDED_GRANTS_DAYS = 7;

const DRIFT_CONTEXT = { requestId: 'drift', actor: 'jitbot' } as const;

/** How many targets of one place a run reads per second at most. */
const TARGETS_PER_SECOND = 5;

/** Waits until `count` reads of one place fit in its budget since `startedAt`. */
async function pace(startedAt: number, count: number): Promise<void> {
  const due = startedAt + (count * 1000) / TARGETS_PER_SECOND;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** Every target that can say who holds it; generated policies are read by the inventory instead. */
function readableTargets(catalog: Catalog, providers: ProviderRegistry): Target[] {
  return catalog.targets.filter((target) => {
    const provider = providerFor(providers, target);
    return provider.listHolders !== undefined && !provider.perRequest;
  });
}

/**
 * Reads targets one after another per place (account, Okta org, Identity Center), at most
 * `TARGETS_PER_SECOND` each, places side by side: one slow or throttled place does not hold up
 * the rest, and none gets a burst of calls (the SDKs' adaptive retry slows further on throttling).
 * 200 targets in one account take about 40 s.
 */
function placeOf(target: Target): string {
  return 'account' in target ? `aws:${target.account}` : target.kind.startsWith('aws-sso') ? 'sso' : 'okta';
}

type Reading = Omit<TargetReading, 'baselined' | 'baseline'>;

/** Targets that grant the same thing (one IAM group named by two targets) are read once, as one. */
function sharing(deps: ReconcileDeps, targets: readonly Target[]): Map<string, Target[]> {
  const byResource = new Map<string, Target[]>();
  for (const target of targets) {
    const resource = providerFor(deps.providers, target).resourceOf(target);
    byResource.set(resource, [...(byResource.get(resource) ?? []), target]);
  }
  return byResource;
}

async function readTargets(
  deps: ReconcileDeps,
  unread: string[],
  only: (target: Target) => boolean = () => true,
): Promise<Reading[]> {
  const groups = [...sharing(deps, readableTargets(deps.catalog, deps.providers).filter(only)).values()];
  const byPlace = new Map<string, Target[][]>();
  for (const group of groups) {
    const place = placeOf(group[0] as Target);
    byPlace.set(place, [...(byPlace.get(place) ?? []), group]);
  }
  const readings: Reading[] = [];
  await Promise.all(
    [...byPlace.values()].map(async (placeGroups) => {
      const startedAt = Date.now();
      for (const [index, group] of placeGroups.entries()) {
        await pace(startedAt, index);
        const target = group[0] as Target;
        const provider = providerFor(deps.providers, target);
        try {
          const holders = (await provider.listHolders?.(target, DRIFT_CONTEXT)) ?? [];
          readings.push({
            targetId: target.id,
            resource: provider.resourceOf(target),
            holders,
            // A member any of the targets sharing the access lists may stay.
            standingMembers: group.flatMap((one) => one.standingMembers),
          });
        } catch (error) {
          const ids = group.map((one) => one.id).join(', ');
          unread.push(`${ids}: could not read who holds it (${describeError(error)})`);
        }
      }
    }),
  );
  return readings;
}

interface Inventory {
  readonly schedules: ScheduleSeen[];
  readonly policies: GeneratedPolicySeen[];
  /** Accounts whose generated policies were listed this run. */
  readonly policiesListed: Set<string>;
}

/** Every AWS account's jitbot schedules and generated policies; Identity Center's schedules in its region. */
async function readInventory(deps: ReconcileDeps, unread: string[]): Promise<Inventory> {
  const found: Inventory = { schedules: [], policies: [], policiesListed: new Set() };
  const inventory = deps.inventory;
  if (!inventory) return found;
  const center = deps.catalog.identityCenter;
  await Promise.all(
    deps.catalog.accounts.map(async (account) => {
      const regions = [account.region];
      if (center?.account === account.id && center.region !== account.region) regions.push(center.region);
      try {
        for (const region of regions) {
          const schedules = await inventory.listSchedules(account, DRIFT_CONTEXT, region);
          found.schedules.push(...schedules.map(({ name }) => ({ account: account.id, name })));
        }
        // The Identity Center account's own role lists no policies: only IAM accounts hold generated ones.
        if (!grantsInIam(deps.catalog, account.id)) return;
        const policies = await inventory.listGeneratedPolicies(account, DRIFT_CONTEXT);
        found.policies.push(...policies.map((policy) => ({ account: account.id, ...policy })));
        found.policiesListed.add(account.id);
      } catch (error) {
        unread.push(
          `account ${account.id}: could not list jitbot's schedules and policies (${describeError(error)})`,
        );
      }
    }),
  );
  return found;
}

/** What the findings of a run cover: kinds read back everywhere, and the targets this run could not read. */
function scopeOf(
  deps: ReconcileDeps,
  readings: readonly TargetReading[],
  inventory: Inventory,
  inventoryRead: boolean,
) {
  const read = new Set<string>();
  for (const reading of readings)
    for (const target of sharing(deps, deps.catalog.targets).get(reading.resource) ?? []) read.add(target.id);
  // A target whose grants hold generated policies is read when its account's policies were listed.
  for (const target of deps.catalog.targets)
    if (
      'account' in target &&
      providerFor(deps.providers, target).perRequest &&
      inventory.policiesListed.has(target.account)
    )
      read.add(target.id);
  const unreadTargets = deps.catalog.targets.map((target) => target.id).filter((id) => !read.has(id));
  const kinds = ['adopted', 'standing-access', 'lost-grant', 'stuck-expiry'];
  if (inventoryRead) kinds.push('orphan-schedule', 'orphan-policy', 'unknown-schedule', 'unknown-policy');
  return { kinds, unreadTargets };
}

/**
 * Whether this run fixes a finding by itself. Standing access only where every target that grants
 * that access says `onDrift: remove` (or an operator ran --fix).
 */
function fixesNow(mode: FixMode, finding: Finding, deps: ReconcileDeps): boolean {
  if (mode === 'report') return false;
  switch (finding.kind) {
    case 'lost-grant':
    case 'stuck-expiry':
    case 'orphan-schedule':
    case 'orphan-policy':
      return true;
    case 'standing-access': {
      if (mode === 'all') return true;
      const target = finding.targetId ? findTarget(deps.catalog, finding.targetId) : undefined;
      if (!target) return false;
      const resource = providerFor(deps.providers, target).resourceOf(target);
      const granting = sharing(deps, deps.catalog.targets).get(resource) ?? [target];
      return granting.every((one) => one.onDrift === 'remove');
    }
    default:
      return false;
  }
}

/**
 * One drift run (issue: drift): reads back who holds each target and jitbot's own schedules and
 * generated policies, compares them with the grants (src/domain/drift.ts), records the findings,
 * baselines targets read for the first time, and fixes what `mode` allows, each fix audited with
 * `actor`. A place that cannot be read is reported and leaves its findings as they were.
 */
export async function reconcile(
  deps: ReconcileDeps,
  options: { readonly mode: FixMode; readonly actor: string; readonly now?: Date },
): Promise<ReconcileReport> {
  const now = options.now ?? new Date();
  const unread: string[] = [];
  const [partial, inventory] = await Promise.all([readTargets(deps, unread), readInventory(deps, unread)]);
  const inventoryRead = deps.inventory !== undefined && !unread.some((line) => line.startsWith('account '));
  const resources = partial.map((reading) => reading.resource);
  const baseline = await readBaseline(deps.pool, resources);
  const readings: TargetReading[] = partial.map((reading) => ({
    ...reading,
    baselined: baseline.baselined.has(reading.resource),
    baseline: baseline.adopted.get(reading.resource) ?? [],
  }));
  const named = [
    ...inventory.schedules.map((s) => s.name),
    ...inventory.policies.map((p) => p.arn.split('/').at(-1) ?? ''),
  ];
  // Grants that each hold a generated policy, where those policies were listed: checked against them.
  const perRequest = deps.catalog.targets.filter(
    (target) =>
      providerFor(deps.providers, target).perRequest &&
      'account' in target &&
      inventory.policiesListed.has(target.account),
  );
  const grants = await grantsForDrift(deps.pool, {
    resources,
    resourcePrefixes: perRequest.map(
      (target) => `${providerFor(deps.providers, target).resourceOf(target)}/`,
    ),
    grantIds: named.flatMap((name) => grantIdFromName(name) ?? []),
    endedSince: new Date(now.getTime() - ENDED_GRANTS_DAYS * 86_400_000),
  });
  const findings = findDrift({
    now,
    readings,
    grants,
    schedules: inventory.schedules,
    generatedPolicies: inventory.policies,
    perRequestTargets: perRequest.map((target) => target.id),
  });
  const resolved: string[] = [];
  const fresh = await inTransaction(deps.pool, async (db) => {
    for (const reading of readings.filter((one) => !one.baselined)) {
      const adopted = findings
        .filter((finding) => finding.kind === 'adopted' && finding.targetId === reading.targetId)
        .map((finding) => reading.holders.find((holder) => holder.principal === finding.principal))
        .filter((holder) => holder !== undefined);
      await recordBaseline(db, { resource: reading.resource, targetId: reading.targetId, adopted });
    }
    const recorded = await recordFindings(db, findings, scopeOf(deps, readings, inventory, inventoryRead));
    resolved.push(...recorded.resolved);
    const keys = recorded.fresh;
    for (const finding of findings.filter((one) => keys.has(one.key))) {
      await appendAudit(db, {
        actor: options.actor,
        action: 'drift.found',
        outcome: 'ok',
        targetId: finding.targetId ?? null,
        grantId: finding.grantId ?? null,
        details: { ...finding },
      });
      if (finding.kind === 'adopted') await resolveFinding(db, finding.key, 'adopted as pre-existing');
    }
    return keys;
  });
  const fixes: FixOutcome[] = [];
  for (const finding of findings.filter((one) => fixesNow(options.mode, one, deps)))
    fixes.push(await fixFinding(deps, finding, options.actor));
  const changed = [...resolved, ...fresh, ...fixes.map((fix) => fix.key)];
  // A report changes nothing in AWS, but the alerts must not go on showing what it found gone.
  await announce(deps, changed, options.mode !== 'report');
  if (fixes.length > 0 || options.mode !== 'report') deps.onWork?.();
  return { findings, fresh, fixes, unread };
}

/**
 * Tells the admin channel: one new message with every finding not told before (this run's new
 * ones, and what it fixed), and an update of every earlier message showing a finding that changed.
 */
export async function announce(
  deps: Pick<ReconcileDeps, 'pool'>,
  changed: readonly string[],
  tellNew = true,
): Promise<void> {
  await inTransaction(deps.pool, async (db) => {
    const created = tellNew ? await createDriftAlert(db) : undefined;
    const alerts = new Set(await alertsShowing(db, changed));
    if (created !== undefined) alerts.add(created);
    for (const alertId of alerts) await enqueueJob(db, { kind: JOB_KINDS.driftAlert, payload: { alertId } });
  });
}

/**
 * At start-up, before the service is ready: every target read back for the first time has its
 * holders recorded as pre-existing (reported once as adopted, never removed), so the first
 * periodic run does not call people who held access before jitbot came "standing access".
 */
export async function baselineNewTargets(deps: ReconcileDeps): Promise<readonly string[]> {
  const unread: string[] = [];
  const resourceOf = (target: Target) => providerFor(deps.providers, target).resourceOf(target);
  const all = readableTargets(deps.catalog, deps.providers).map(resourceOf);
  const known = await readBaseline(deps.pool, all);
  const partial = await readTargets(deps, unread, (target) => !known.baselined.has(resourceOf(target)));
  if (partial.length === 0) return unread;
  const now = new Date();
  const resources = partial.map((reading) => reading.resource);
  const grants = await grantsForDrift(deps.pool, {
    resources,
    resourcePrefixes: [],
    grantIds: [],
    // The same window as every run: an ended grant whose access is still there is no baseline.
    endedSince: new Date(now.getTime() - ENDED_GRANTS_DAYS * 86_400_000),
  });
  const readings = partial.map((reading) => ({ ...reading, baselined: false, baseline: [] }));
  const findings = findDrift({ now, readings, grants, schedules: [], generatedPolicies: [] });
  await inTransaction(deps.pool, async (db) => {
    for (const reading of readings) {
      const adopted = findings
        .filter((finding) => finding.kind === 'adopted' && finding.targetId === reading.targetId)
        .flatMap((finding) => reading.holders.filter((holder) => holder.principal === finding.principal));
      await recordBaseline(db, { resource: reading.resource, targetId: reading.targetId, adopted });
    }
  });
  return unread;
}
