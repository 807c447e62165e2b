/** `aws`, `aws-us-gov` or `aws-cn`, from any ARN (default `aws`): every ARN jitbot builds takes it. */
export function partitionOf(arn: string | undefined): string {
  return (arn === undefined ? undefined : /^arn:(aws[a-z-]*):/.exec(arn)?.[1]) ?? 'aws';
}
