import type { Catalog } from '../domain/catalog.js';
import { EXAMPLE_REGION, type Partition, partitionOfRegion } from '../domain/partition.js';
import type { Path, Problem, Redaction } from './catalog-problems.js';
import { JIT_POLICY_ARN, ROLE_ARN } from './catalog-schema.js';
import { type Data, recordOf } from './catalog-target-checks.js';

/**
 * The catalog's partition rules. A partition (aws, aws-us-gov, aws-cn) is a separate AWS: an
 * identity of one cannot call, assume or name anything in another. So each account's region and
 * ARNs are in one partition, and the whole catalog is in one, that of jitbot's own AWS identity,
 * which assumes every connector role. Like catalog-checks.ts these rules read the unvalidated data
 * and skip what the schema reports as malformed (a region of no supported partition among it).
 */

interface AccountPartition {
  readonly index: number;
  readonly id: string;
  readonly partition: Partition;
  /** Where the partition was read, and whether that value may be shown. */
  readonly from: 'region' | 'connectorRoleArn';
  readonly value: string;
  readonly hidden: boolean;
}

export function checkPartitions(root: Data, redaction: Redaction): Problem[] {
  const accounts = Array.isArray(root.accounts) ? root.accounts : [];
  const partitions = accounts.flatMap((account, index) => {
    const found = accountPartition(recordOf(account), index, redaction);
    return found === undefined ? [] : [found];
  });
  return [
    ...accounts.flatMap((account, index) => roleProblems(recordOf(account), index, redaction)),
    ...mixedPartitions(partitions),
    ...identityCenterRegion(recordOf(root.identityCenter), redaction),
    ...policyPartitions(Array.isArray(root.targets) ? root.targets : [], partitions, redaction),
  ];
}

function arnPartition(arn: unknown, pattern: RegExp): Partition | undefined {
  if (typeof arn !== 'string' || !pattern.test(arn)) return undefined;
  return /^arn:([\w-]+):/.exec(arn)?.[1] as Partition | undefined;
}

function regionOf(value: unknown): { region: string; partition: Partition } | undefined {
  if (typeof value !== 'string') return undefined;
  const partition = partitionOfRegion(value);
  return partition === undefined ? undefined : { region: value, partition };
}

/** The account's partition: its region's, or, when the region is malformed, its connector role's. */
function accountPartition(
  account: Data | undefined,
  index: number,
  redaction: Redaction,
): AccountPartition | undefined {
  if (account === undefined) return undefined;
  const id = typeof account.id === 'string' ? account.id : `accounts[${index}]`;
  const region = regionOf(account.region);
  if (region !== undefined) {
    const hidden = redaction.hides(['accounts', index, 'region']);
    return { index, id, partition: region.partition, from: 'region', value: region.region, hidden };
  }
  const role = arnPartition(account.connectorRoleArn, ROLE_ARN);
  if (role === undefined) return undefined;
  const hidden = redaction.hides(['accounts', index, 'connectorRoleArn']);
  return { index, id, partition: role, from: 'connectorRoleArn', value: role, hidden };
}

/** jitbot calls the account in its region, and a role is usable only in its own partition. */
function roleProblems(account: Data | undefined, index: number, redaction: Redaction): Problem[] {
  const region = regionOf(account?.region);
  if (account === undefined || region === undefined) return [];
  const regionHidden = redaction.hides(['accounts', index, 'region']);
  return (['connectorRoleArn', 'schedulerRoleArn'] as const).flatMap((key) => {
    const partition = arnPartition(account[key], ROLE_ARN);
    if (partition === undefined || partition === region.partition) return [];
    const path = ['accounts', index, key];
    const shown = !redaction.hides(path) && !regionHidden;
    const which = shown
      ? `is in the partition ${partition}, but region ${region.region} is in ${region.partition}`
      : 'is in another partition than region';
    const fix = shown
      ? `set region to a region of ${partition} (e.g. ${EXAMPLE_REGION[partition]}) if the account is there, or write the role's ARN as arn:${region.partition}:iam::…`
      : "make region and the role's ARN name the same partition";
    const message = `${which}; jitbot uses the role in the account's region, and a role exists only in its own partition: ${fix}`;
    return [{ path, message }];
  });
}

/** One AWS identity, of one partition, assumes every connector role. */
function mixedPartitions(partitions: readonly AccountPartition[]): Problem[] {
  const [first] = partitions;
  if (first === undefined) return [];
  return partitions
    .filter(({ partition }) => partition !== first.partition)
    .map((account) => {
      const where = (of: AccountPartition) =>
        of.hidden || of.from !== 'region' ? '' : ` (region ${of.value})`;
      const which =
        first.hidden || account.hidden
          ? `account ${account.id} is in another partition than account ${first.id} (accounts[${first.index}])`
          : `account ${account.id} is in the partition ${account.partition}${where(account)}, but account ${first.id} (accounts[${first.index}]) is in ${first.partition}${where(first)}`;
      const message = `${which}; jitbot assumes every connector role with its one AWS identity, which belongs to one partition and cannot assume roles in another: run one jitbot per partition, each with a catalog of that partition's accounts and AWS credentials of that partition`;
      return { path: ['accounts', account.index, account.from], message };
    });
}

/** Identity Center is called in its home region, which must be in the instance's partition. */
function identityCenterRegion(section: Data | undefined, redaction: Redaction): Problem[] {
  const region = regionOf(section?.region);
  const instance = typeof section?.instanceArn === 'string' ? section.instanceArn : undefined;
  const partition =
    instance === undefined ? undefined : /^arn:(aws|aws-us-gov|aws-cn):sso:::/.exec(instance)?.[1];
  if (region === undefined || partition === undefined || partition === region.partition) return [];
  const path = ['identityCenter', 'region'];
  const shown = !redaction.hides(path) && !redaction.hides(['identityCenter', 'instanceArn']);
  const which = shown
    ? `${region.region} is in the partition ${region.partition}, but instanceArn is in ${partition}`
    : 'is in another partition than instanceArn';
  const message = `${which}; Identity Center is called in its home region, in the instance's own partition: write the instance's home region (aws sso-admin list-instances, in the console's region), or remove region to use the account's`;
  return [{ path, message }];
}

/** A managed policy of one partition cannot be attached to users of another. */
function policyPartitions(
  targets: readonly unknown[],
  partitions: readonly AccountPartition[],
  redaction: Redaction,
): Problem[] {
  return targets.flatMap((raw, index) => {
    const target = recordOf(raw);
    if (target?.kind !== 'aws-iam-policy') return [];
    const account = partitions.find(({ id }) => id === target.account);
    const partition = arnPartition(target.policyArn, JIT_POLICY_ARN);
    if (account === undefined || partition === undefined || partition === account.partition) return [];
    const path: Path = ['targets', index, 'policyArn'];
    const shown = !redaction.hides(path) && !account.hidden;
    const which = shown
      ? `is in the partition ${partition}, but account ${account.id} is in ${account.partition}`
      : `is in another partition than account ${account.id}`;
    const fix = shown ? `write arn:${account.partition}:iam::…` : "use the account's partition";
    const message = `${which}; IAM attaches a managed policy only to users of its own partition: ${fix}, or change account`;
    return [{ path, message }];
  });
}

/** The partition of the catalog's accounts (loading refuses more than one); undefined without accounts. */
export function catalogPartition(catalog: Pick<Catalog, 'accounts'>): Partition | undefined {
  const [first] = catalog.accounts;
  return first === undefined ? undefined : partitionOfRegion(first.region);
}

/**
 * Whether a region jitbot's own identity calls AWS in (`name`, e.g. AUDIT_SINK_REGION) fits the
 * catalog: that identity assumes the accounts' roles, so it is of their partition and can reach
 * nothing in another. A sentence saying what is wrong and what to do, or undefined when it fits.
 */
export function ownRegionProblem(
  catalog: Pick<Catalog, 'accounts'>,
  name: string,
  region: string | undefined,
): string | undefined {
  const partition = catalogPartition(catalog);
  const own = region === undefined ? undefined : partitionOfRegion(region);
  if (partition === undefined || own === undefined || own === partition) return undefined;
  return `${name} is ${region}, in the partition ${own}, but the catalog's accounts are in ${partition}: jitbot's own AWS identity assumes their roles, so it is of ${partition} and cannot reach ${own}; set ${name} to a region of ${partition} (e.g. ${EXAMPLE_REGION[partition]})`;
}
