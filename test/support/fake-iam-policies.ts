import { randomBytes } from 'node:crypto';
import { FakeAwsError } from './fake-aws-error.js';

/** A customer managed policy as the fake keeps it: one version (v1), never edited. */
export interface FakePolicy {
  readonly arn: string;
  readonly name: string;
  readonly path: string;
  readonly id: string;
  /** The document exactly as the client sent it, whitespace included (GetPolicyVersion returns it so). */
  readonly document: string;
  readonly description?: string;
  readonly createdAt: Date;
}

/** IAM's quota for a managed policy's document, counted without whitespace. */
export const POLICY_SIZE_QUOTA = 6144;
/** The most characters CreatePolicy takes in PolicyDocument at all, whitespace included. */
const MAX_DOCUMENT_LENGTH = 131072;
/** What a policy put in place by a test (addPolicy without a document) says. */
export const DEFAULT_POLICY_DOCUMENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }],
});

const NAME = /^[\w+=,.@-]{1,128}$/;
/** IAM's path pattern: `/` alone, or printable ASCII between slashes, at most 512 characters. */
const PATH = /^\/(?:[\x21-\x7e]*\/)?$/;

/** A policy's size as IAM counts it against the quota: every whitespace character left out. */
export function policySize(document: string): number {
  return document.replace(/\s/g, '').length;
}

/** The name and path of a policy ARN: `arn:aws:iam::111111111111:policy/jit/generated/g-1` -> `g-1`, `/jit/generated/`. */
function namePathOf(arn: string): { name: string; path: string } {
  const start = arn.indexOf(':policy/') + ':policy'.length;
  const slash = arn.lastIndexOf('/');
  return { name: arn.slice(slash + 1), path: arn.slice(start, slash + 1) };
}

function validationError(value: string, member: string, constraint: string): FakeAwsError {
  return new FakeAwsError(
    'ValidationError',
    400,
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/** A path or path prefix IAM accepts, or the ValidationError it answers. */
export function checkPath(path: string, member: 'path' | 'pathPrefix'): void {
  if (path.length > 512 || !PATH.test(path))
    throw validationError(path, member, 'Member must begin and end with / and be at most 512 characters');
}

/** Checks a CreatePolicy request as IAM does, in its order: the fields, the JSON, the size. */
export function checkNewPolicy(name: string, path: string, document: string): void {
  if (!NAME.test(name))
    throw validationError(name, 'policyName', 'Member must be 1-128 of the characters A-Za-z0-9+=,.@_-');
  checkPath(path, 'path');
  if (document.length === 0 || document.length > MAX_DOCUMENT_LENGTH)
    throw validationError('(the document)', 'policyDocument', 'Member must have length 1-131072');
  if (!isPolicyJson(document))
    throw new FakeAwsError('MalformedPolicyDocument', 400, 'Syntax errors in policy.');
  if (policySize(document) > POLICY_SIZE_QUOTA)
    throw new FakeAwsError('LimitExceeded', 409, `Cannot exceed quota for PolicySize: ${POLICY_SIZE_QUOTA}`);
}

/** A JSON object with a Statement: the least IAM's grammar asks (the fake checks no more). */
function isPolicyJson(document: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return false;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'Statement' in parsed;
}

/** A policy a test puts in place by its ARN, as if an administrator had created it. */
export function presetPolicy(arn: string, document: string): FakePolicy {
  return { arn, ...namePathOf(arn), id: newPolicyId(), document, createdAt: new Date() };
}

/** A fresh IAM-style policy id: a policy deleted and created again under its name gets a new one. */
export function newPolicyId(): string {
  return `ANPA${randomBytes(9).toString('hex').toUpperCase().slice(0, 17)}`;
}
