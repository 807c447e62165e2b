import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  iamRegionOf,
  PARTITIONS,
  partitionOf,
  partitionOfRegion,
  regionPartition,
} from '../../src/domain/partition.js';

describe('partitions', () => {
  it('are read from any ARN, commercial when there is none', () => {
    expect(partitionOf('arn:aws:iam::111111111111:role/r')).toBe('aws');
    expect(partitionOf('arn:aws-us-gov:iam::111111111111:role/r')).toBe('aws-us-gov');
    expect(partitionOf('arn:aws-cn:sso:::instance/ssoins-1234567890abcdef')).toBe('aws-cn');
    expect(partitionOf(undefined)).toBe('aws');
  });

  it.each([
    ['us-east-1', 'aws'],
    ['eu-central-2', 'aws'],
    ['ap-southeast-7', 'aws'],
    ['il-central-1', 'aws'],
    ['mx-central-1', 'aws'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-gov-east-1', 'aws-us-gov'],
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
  ])('put the region %s in %s', (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
  });

  it('know the regions of the partitions jitbot does not support, and no others', () => {
    expect(regionPartition('us-iso-east-1')).toEqual({ unsupported: 'aws-iso (AWS Top Secret)' });
    expect(regionPartition('us-isob-east-1')).toEqual({ unsupported: 'aws-iso-b (AWS Secret)' });
    expect(regionPartition('eusc-de-east-1')).toEqual({
      unsupported: 'aws-eusc (AWS European Sovereign Cloud)',
    });
    expect(partitionOfRegion('us-iso-east-1')).toBeUndefined();
    for (const region of ['xx-west-1', 'useast1', 'us-east', 'global', 'local'])
      expect(regionPartition(region)).toBeUndefined();
  });

  it("sign IAM in each partition's one IAM region", () => {
    expect(PARTITIONS.map(iamRegionOf)).toEqual(['us-east-1', 'us-gov-west-1', 'cn-north-1']);
    expect(() => iamRegionOf('aws-iso')).toThrow(/does not know the IAM endpoint of partition aws-iso/);
  });
});

/**
 * Where src/ writes the commercial partition literally, and why that is right there: each is an
 * example in a sentence people read, never an ARN jitbot sends to AWS. An ARN jitbot builds takes
 * its account's partition (partitionOf); a new literal must be one of those, or be listed here.
 */
const EXAMPLES: Readonly<Record<string, { count: number; why: string }>> = {
  'src/config/catalog-issues.ts': { count: 4, why: 'what to write for a missing key' },
  'src/config/catalog-generated-policy.ts': { count: 2, why: 'the shape of a resource pattern' },
  'src/config/catalog-schema.ts': { count: 5, why: 'the shape of each ARN field' },
  'src/policy/permission-text.ts': { count: 2, why: 'the shape of a permissions line' },
  'src/slack/blocks/request-modal.ts': { count: 2, why: 'the placeholder of the permissions field' },
  'src/workflow/request-permissions.ts': { count: 2, why: 'the hint under the permissions field' },
};

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The text of the code without its comments (a doc comment may show any ARN). Only comments that
 * open a line count: an ARN pattern in a string may hold the two characters that open one.
 */
function code(text: string): string {
  return text.replace(/^\s*\/\*[\s\S]*?\*\//gm, '').replace(/^\s*\/\/.*$/gm, '');
}

describe('the source', () => {
  it('writes arn:aws: only in examples people read, so every ARN it builds has its account partition', () => {
    const root = join(import.meta.dirname, '..', '..');
    const found: Record<string, number> = {};
    for (const file of sourceFiles(join(root, 'src'))) {
      const count = code(readFileSync(file, 'utf8')).match(/arn:aws:/g)?.length ?? 0;
      if (count > 0) found[relative(root, file)] = count;
    }
    const expected = Object.fromEntries(Object.entries(EXAMPLES).map(([file, { count }]) => [file, count]));
    expect(found).toEqual(expected);
  });
});
