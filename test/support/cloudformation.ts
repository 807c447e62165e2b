import { readFileSync } from 'node:fs';
import { parse, type Tags, type YAMLMap, type YAMLSeq } from 'yaml';

/**
 * CloudFormation templates as the deploy tests read them: the short-form tags turned into their
 * long form, and the intrinsic functions evaluated for one deployment (its parameters and
 * pseudo parameters), so the documents a template deploys can be compared with the JSON files.
 */

/** CloudFormation's short-form tags, turned into their long form ({ "Fn::Sub": ... }). */
const INTRINSICS = ['Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or'];
const cfnTags: Tags = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  return [
    { tag: `!${name}`, resolve: (value: string) => ({ [key]: value }) },
    {
      tag: `!${name}`,
      collection: 'seq' as const,
      resolve: (value: YAMLSeq.Parsed | YAMLMap.Parsed) => ({ [key]: value.toJSON() }),
    },
  ];
});

/** `!Ref AWS::NoValue`: the property or list item it stands for is left out. */
const NO_VALUE = Symbol('AWS::NoValue');

/** What a Ref stands for: a string, or a list (a CommaDelimitedList parameter). */
export type Ref = string | readonly string[];

interface Deployment {
  readonly refs: Readonly<Record<string, Ref>>;
  /** The template's Conditions, evaluated for this deployment. */
  readonly conditions: Readonly<Record<string, boolean>>;
}

/** Ref, Fn::Sub (both forms), GetAtt, Select, Split, Join, If, Equals, Not, for one deployment. */
function resolveIntrinsics(node: unknown, deployment: Deployment): unknown {
  const { refs, conditions } = deployment;
  const lookup = (name: string): Ref => {
    const value = refs[name];
    if (value === undefined) throw new Error(`the template refers to ${name}, which the test does not know`);
    return value;
  };
  const resolve = (value: unknown) => resolveIntrinsics(value, deployment);
  const text = (value: unknown, what: string): string => {
    if (typeof value !== 'string') throw new Error(`${what} is not a string: ${JSON.stringify(value)}`);
    return value;
  };
  const substitute = (template: string, vars: Record<string, unknown>) =>
    template.replace(/\$\{([\w:.]+)\}/g, (_match, name: string) =>
      text(name in vars ? vars[name] : lookup(name), `\${${name}}`),
    );
  if (Array.isArray(node)) return node.map(resolve).filter((item) => item !== NO_VALUE);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    const [fn, argument] = first;
    if (fn === 'Ref' && argument === 'AWS::NoValue') return NO_VALUE;
    if (fn === 'Ref') return lookup(text(argument, 'Ref'));
    if (fn === 'Fn::GetAtt') return lookup(Array.isArray(argument) ? argument.join('.') : String(argument));
    if (fn === 'Fn::Sub' && typeof argument === 'string') return substitute(argument, {});
    if (fn === 'Fn::Sub' && Array.isArray(argument)) {
      const [template, vars] = argument as [string, Record<string, unknown>];
      return substitute(template, resolve(vars) as Record<string, unknown>);
    }
    if (fn === 'Fn::Select' && Array.isArray(argument)) {
      const [index, items] = argument.map(resolve) as [string | number, unknown];
      if (!Array.isArray(items)) throw new Error('Fn::Select needs a list');
      const item = items[Number(index)];
      if (item === undefined) throw new Error(`Fn::Select: nothing at ${index}`);
      return item;
    }
    if (fn === 'Fn::Split' && Array.isArray(argument)) {
      const [delimiter, value] = argument.map(resolve);
      return text(value, 'Fn::Split value').split(text(delimiter, 'Fn::Split delimiter'));
    }
    if (fn === 'Fn::Join' && Array.isArray(argument)) {
      // The delimiter must be a literal string: CloudFormation allows no function there.
      const [delimiter, items] = argument as [unknown, unknown];
      const values = resolve(items);
      if (!Array.isArray(values)) throw new Error('Fn::Join needs a list');
      return values
        .map((value) => text(value, 'a Fn::Join item'))
        .join(text(delimiter, 'Fn::Join delimiter'));
    }
    if (fn === 'Fn::Equals' && Array.isArray(argument)) {
      const [left, right] = argument.map(resolve);
      return left === right;
    }
    if (fn === 'Fn::Not' && Array.isArray(argument)) return resolve(argument[0]) !== true;
    if (fn === 'Fn::If' && Array.isArray(argument)) {
      const [condition, whenTrue, whenFalse] = argument;
      const holds = conditions[String(condition)];
      if (holds === undefined)
        throw new Error(`the template uses condition ${condition}, which it does not define`);
      return resolve(holds ? whenTrue : whenFalse);
    }
    throw new Error(`unexpected ${fn} in the template`);
  }
  return Object.fromEntries(
    entries.map(([key, value]) => [key, resolve(value)]).filter(([, value]) => value !== NO_VALUE),
  );
}

export interface CfnTemplate {
  Outputs: Record<string, unknown>;
  Parameters: Record<
    string,
    { Type: string; NoEcho?: boolean; Default?: string; AllowedPattern?: string; AllowedValues?: string[] }
  >;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
}

/** The pseudo parameters of a stack in GovCloud (US-West), where every ARN is in the aws-us-gov partition. */
export const GOV_CLOUD = { 'AWS::Partition': 'aws-us-gov', 'AWS::Region': 'us-gov-west-1' } as const;

/** The partitions of every ARN in `value` (`arn:aws:`, `arn:aws-us-gov:`, ...), one per ARN. */
export const arnPartitionsIn = (value: unknown): string[] =>
  JSON.stringify(value).match(/arn:[\w-]+:/g) ?? [];

/** A template file as written, its short-form tags read. */
export function readTemplate(path: string): CfnTemplate {
  return parse(readFileSync(path, 'utf8'), { customTags: cfnTags }) as CfnTemplate;
}

/**
 * The template as deployed where `refs` hold: its conditions evaluated, the resources and outputs
 * whose Condition is false left out (CloudFormation does not create them), its intrinsics resolved.
 */
export function deployTemplate(raw: CfnTemplate, refs: Readonly<Record<string, Ref>>): CfnTemplate {
  const conditions = Object.fromEntries(
    Object.entries(raw.Conditions ?? {}).map(([name, condition]) => [
      name,
      resolveIntrinsics(condition, { refs, conditions: {} }) === true,
    ]),
  );
  const created = <T extends { Condition?: string }>(entries: Record<string, T>) =>
    Object.fromEntries(
      Object.entries(entries).filter(([, { Condition }]) => {
        if (Condition === undefined) return true;
        const holds = conditions[Condition];
        if (holds === undefined)
          throw new Error(`the template uses condition ${Condition}, which it does not define`);
        return holds;
      }),
    );
  const present = {
    ...raw,
    Resources: created(raw.Resources),
    Outputs: created(raw.Outputs as Record<string, { Condition?: string }>),
  };
  return resolveIntrinsics(present, { refs, conditions }) as CfnTemplate;
}

/** A resource of a deployed template; a missing one fails the test. */
export function resourceOf(deployed: CfnTemplate, name: string) {
  const found = deployed.Resources[name];
  if (!found) throw new Error(`the deployed template has no ${name}`);
  return found;
}

/** The inline policies of a role (AWS::IAM::Role Policies), their documents as deployed. */
export function inlinePolicyDocuments(deployed: CfnTemplate, role: string): unknown[] {
  const policies = resourceOf(deployed, role).Properties.Policies as { PolicyDocument: unknown }[];
  return policies.map((policy) => policy.PolicyDocument);
}

/**
 * Whether CloudFormation puts the stack's tags on a resource of this type: the types with a Tags
 * property take them. IAM groups cannot be tagged at all, and AWS::IAM::ManagedPolicy has no Tags
 * (the stack's tags do not reach it either), although IAM can tag a managed policy. A type missing
 * here fails the test that asks, so a new resource is classified before it is trusted to be tagged.
 */
const TAKES_STACK_TAGS: Readonly<Record<string, boolean>> = {
  'AWS::IAM::Role': true,
  'AWS::Scheduler::ScheduleGroup': true,
  'AWS::SQS::Queue': true,
  'AWS::IAM::Group': false,
  'AWS::IAM::ManagedPolicy': false,
};

export function takesStackTags(type: string): boolean {
  const takes = TAKES_STACK_TAGS[type];
  if (takes === undefined) throw new Error(`the tests do not know whether ${type} takes the stack's tags`);
  return takes;
}

/**
 * The tags each resource of a deployed template ends up with when the stack is created with
 * `stackTags` (aws cloudformation deploy --tags, a StackSet's tags): the stack's tags on every
 * type that takes them, and the resource's own Tags over them (a key in both keeps the resource's).
 */
export function tagsAsDeployed(
  deployed: CfnTemplate,
  stackTags: Readonly<Record<string, string>>,
): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Object.entries(deployed.Resources).map(([name, resource]) => {
      const own = (resource.Properties.Tags ?? []) as { Key: string; Value: string }[];
      const ownTags = Object.fromEntries(own.map(({ Key, Value }) => [Key, Value]));
      return [name, takesStackTags(resource.Type) ? { ...stackTags, ...ownTags } : ownTags];
    }),
  );
}
