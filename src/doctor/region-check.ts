import { partition } from '@aws-sdk/core/client';
import type { Account } from '../domain/catalog.js';
import { partitionOf } from '../domain/partition.js';
import { field } from '../errors.js';
import type { CheckResult } from './report.js';

/**
 * The region's name in the AWS SDK's own table of partitions and regions, the one its endpoints
 * come from; undefined for a name the table does not list (a typo, or a region newer than this
 * jitbot). `aws-global` and the like are names of the table, not regions anything runs in.
 */
function knownRegion(
  region: string,
): { readonly partition: string; readonly description: string } | undefined {
  if (region.endsWith('-global')) return undefined;
  const found = partition(region);
  const description = field(found, 'description');
  return typeof description === 'string' ? { partition: found.name, description } : undefined;
}

/**
 * Whether the account's region is a real region of the partition its roles are in. Checked before
 * any call: STS and Scheduler are called in that region, and a wrong one would otherwise show as
 * a network error, or not until the first grant's backstop.
 */
export function checkRegion(account: Account): CheckResult & { readonly detail?: string } {
  const { region } = account;
  const expected = partitionOf(account.connectorRoleArn);
  const known = knownRegion(region);
  if (known === undefined)
    return {
      ok: false,
      problem: `${region} is not an AWS region (none of the ${expected} partition's regions known to this jitbot has that name)`,
      fix: `set the account's region in the catalog to the region its schedule group and scheduler role are in, e.g. us-east-1; a region newer than this jitbot needs a newer jitbot`,
    };
  if (known.partition !== expected)
    return {
      ok: false,
      problem: `${region} is a region of the ${known.partition} partition, but the account's connector role (${account.connectorRoleArn}) is in ${expected}`,
      fix: `set the account's region to a region of ${expected}, the one its schedule group and scheduler role are in`,
    };
  return { ok: true, detail: `${region} (${known.description})` };
}
