/**
 * AWS partitions: the commercial one (`aws`), GovCloud (`aws-us-gov`) and China (`aws-cn`). A
 * partition is a separate AWS: its own ARNs, endpoints and credentials. Nothing crosses between
 * them, so every ARN jitbot builds and every client it makes is in its account's partition.
 */

export type Partition = 'aws' | 'aws-us-gov' | 'aws-cn';

export const PARTITIONS: readonly Partition[] = ['aws', 'aws-us-gov', 'aws-cn'];

/** `aws`, `aws-us-gov` or `aws-cn`, from any ARN (default `aws`): every ARN jitbot builds takes it. */
export function partitionOf(arn: string | undefined): string {
  return (arn === undefined ? undefined : /^arn:(aws[a-z-]*):/.exec(arn)?.[1]) ?? 'aws';
}

/**
 * The region names of each partition, as the AWS SDK's own endpoint rules tell them apart. A
 * pattern, not a list, so a region AWS opens later works without a new jitbot.
 */
const REGIONS: readonly { readonly partition: Partition; readonly pattern: RegExp }[] = [
  { partition: 'aws', pattern: /^(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d{1,2}$/ },
  { partition: 'aws-us-gov', pattern: /^us-gov-[a-z]+-\d{1,2}$/ },
  { partition: 'aws-cn', pattern: /^cn-[a-z]+-\d{1,2}$/ },
];

/**
 * Partitions jitbot does not run in, by their regions. Their endpoints, credentials and services
 * differ (no EventBridge Scheduler universal targets in some), and nothing here is tested there.
 */
const UNSUPPORTED: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'aws-iso (AWS Top Secret)', pattern: /^us-iso-[a-z]+-\d{1,2}$/ },
  { name: 'aws-iso-b (AWS Secret)', pattern: /^us-isob-[a-z]+-\d{1,2}$/ },
  { name: 'aws-iso-e', pattern: /^eu-isoe-[a-z]+-\d{1,2}$/ },
  { name: 'aws-iso-f', pattern: /^us-isof-[a-z]+-\d{1,2}$/ },
  { name: 'aws-eusc (AWS European Sovereign Cloud)', pattern: /^eusc-[a-z]+-[a-z]+-\d{1,2}$/ },
];

export type RegionPartition =
  | { readonly partition: Partition }
  /** A region of a partition jitbot does not support, named for the message. */
  | { readonly unsupported: string }
  | undefined;

/** The partition a region name belongs to; undefined when it is no region of any partition. */
export function regionPartition(region: string): RegionPartition {
  const known = REGIONS.find(({ pattern }) => pattern.test(region));
  if (known !== undefined) return { partition: known.partition };
  const other = UNSUPPORTED.find(({ pattern }) => pattern.test(region));
  return other === undefined ? undefined : { unsupported: other.name };
}

/** The supported partition of `region`, or undefined. */
export function partitionOfRegion(region: string): Partition | undefined {
  const found = regionPartition(region);
  return found !== undefined && 'partition' in found ? found.partition : undefined;
}

/**
 * IAM is global within its partition, with one endpoint that signs in one region: the SDK,
 * given these, resolves iam.amazonaws.com, iam.us-gov.amazonaws.com and
 * iam.cn-north-1.amazonaws.com.cn. (It resolves the same from any region of the partition;
 * naming the signing region keeps the client one per partition, whatever the account's region.)
 */
const IAM_REGION: Readonly<Record<Partition, string>> = {
  aws: 'us-east-1',
  'aws-us-gov': 'us-gov-west-1',
  'aws-cn': 'cn-north-1',
};

/** The region an IAM client of `partition` is made in; an unknown partition is a bug (start-up refuses it). */
export function iamRegionOf(partition: string): string {
  const region = (IAM_REGION as Readonly<Record<string, string>>)[partition];
  if (region === undefined)
    throw new Error(`jitbot does not know the IAM endpoint of partition ${partition}`);
  return region;
}

/** A region of each partition, for messages that suggest one. */
export const EXAMPLE_REGION: Readonly<Record<Partition, string>> = IAM_REGION;
