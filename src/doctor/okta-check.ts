import type { Catalog, OktaSettings } from '../domain/catalog.js';
import { createOktaChecks, type OktaChecks } from '../okta/okta-checks.js';
import { createOktaClient } from '../okta/okta-client.js';
import { answeredWithin } from './deadline.js';
import { type CheckLine, type CheckResult, fromResult, skip } from './report.js';

function groupIdsIn(catalog: Catalog): Map<string, string[]> {
  const byGroup = new Map<string, string[]>();
  for (const target of catalog.targets) {
    if (target.kind !== 'okta-group') continue;
    byGroup.set(target.groupId, [...(byGroup.get(target.groupId) ?? []), target.id]);
  }
  return byGroup;
}

function timed(work: Promise<CheckResult>, ms: number, settings: OktaSettings): Promise<CheckResult> {
  return answeredWithin(work, ms, {
    from: `Okta at ${settings.orgUrl}`,
    fix: 'check the orgUrl in the catalog and that this machine can reach it over HTTPS',
  });
}

async function checkGroups(
  catalog: Catalog,
  settings: OktaSettings,
  checks: OktaChecks,
  ms: number,
): Promise<CheckLine[]> {
  const groups = [...groupIdsIn(catalog)];
  const results = await Promise.all(
    groups.map(([groupId]) => timed(checks.checkGroupExists(groupId), ms, settings)),
  );
  return results.map((result, index) => {
    const [groupId = '', targets = []] = groups[index] ?? [];
    return fromResult(`okta group ${groupId}`, result, `exists (target ${targets.join(', ')})`);
  });
}

/** The token first (GET /users/me), then each okta-group target's group. */
export async function checkOkta(catalog: Catalog, timeoutMs: number): Promise<CheckLine[]> {
  const settings = catalog.okta;
  if (settings === undefined) return [];
  // One attempt, bounded: a doctor reports a rate limit rather than waiting it out.
  const client = createOktaClient(settings, { maxAttempts: 1, requestTimeoutMs: timeoutMs });
  const checks = createOktaChecks({ settings, client });
  const host = new URL(settings.orgUrl).host;
  const token = await timed(checks.checkToken(), timeoutMs, settings);
  const tokenLine = fromResult('okta token', token, `works at ${host}`);
  if (!token.ok) {
    const skipped = [...groupIdsIn(catalog).keys()].map((id) =>
      skip(`okta group ${id}`, 'not checked: needs a working token'),
    );
    return [tokenLine, ...skipped];
  }
  return [tokenLine, ...(await checkGroups(catalog, settings, checks, timeoutMs))];
}
