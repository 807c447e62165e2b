import { randomBytes, randomUUID } from 'node:crypto';
import { FakeAwsError, type FiredOutcome } from './fake-aws-state.js';

/**
 * IAM Identity Center for the fake AWS: one instance with its identity store (users, groups,
 * memberships), permission sets and account assignments, and the two JSON-protocol services that
 * read and change them, `sso-admin` (X-Amz-Target `SWBExternalService.<Op>`) and `identitystore`
 * (`AWSIdentityStore.<Op>`). FakeAws routes the HTTP calls here; tests set up and inspect the state
 * through the methods of FakeIdentityCenter.
 */

export type FakePrincipalType = 'USER' | 'GROUP';
export type FakeUserStatus = 'ENABLED' | 'DISABLED';
export type FakeAssignmentStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
export type FakeAssignmentKind = 'create' | 'delete';

export interface FakeAccountAssignment {
  readonly accountId: string;
  readonly permissionSetArn: string;
  readonly principalType: FakePrincipalType;
  readonly principalId: string;
}

export interface FakePermissionSet {
  readonly arn: string;
  readonly name: string;
  /** ISO 8601 duration, e.g. PT1H (AWS's default) to PT12H. */
  sessionDuration: string;
  description: string | undefined;
  readonly tags: Map<string, string>;
  readonly createdAt: Date;
}

export interface FakeIdentityStoreEmail {
  readonly value: string;
  readonly type?: string;
  readonly primary?: boolean;
}

export interface FakeIdentityStoreUser {
  readonly userId: string;
  userName: string;
  displayName: string | undefined;
  emails: FakeIdentityStoreEmail[];
  /** Undefined: the store reports no status (as older stores and SDK models do). */
  status: FakeUserStatus | undefined;
}

export interface FakeIdentityStoreGroup {
  readonly groupId: string;
  displayName: string;
  description: string | undefined;
}

export interface FakeGroupMembership {
  readonly membershipId: string;
  readonly groupId: string;
  readonly userId: string;
}

/** One CreateAccountAssignment or DeleteAccountAssignment request, as Describe*Status reports it. */
export interface FakeAssignmentOperation {
  readonly requestId: string;
  readonly kind: FakeAssignmentKind;
  readonly instanceArn: string;
  readonly assignment: FakeAccountAssignment;
  /** Who asked: a client call, or a fired Scheduler universal target. */
  readonly origin: 'api' | 'schedule';
  readonly createdAt: Date;
  status: FakeAssignmentStatus;
  failureReason: string | undefined;
  /** Describe*Status polls that answered IN_PROGRESS so far. */
  polls: number;
  /** When set, the operation ends FAILED with this reason instead of changing anything. */
  readonly failWith: string | undefined;
}

/** Who is calling: the account and region of the signed, assumed-role session. */
export interface FakeIdentityCenterCaller {
  readonly accountId: string;
  readonly region: string | undefined;
  /** The assumed-role ARN, for AccessDenied messages. */
  readonly principalArn: string;
}

export interface FakeIdentityCenterOptions {
  /** The account that owns the instance (the organization's management account). */
  readonly ownerAccountId: string;
  /** Identity Center's home region; calls signed for another region do not see the instance. */
  readonly region?: string;
  /** aws (default), aws-cn, aws-us-gov, ... Used in every ARN the fake makes. */
  readonly partition?: string;
  readonly instanceArn?: string;
  readonly identityStoreId?: string;
  readonly name?: string;
}

const ASSIGNMENT_PAGE_MAX = 100;

/** sso-admin's error namespace and identitystore's, for the `__type` of JSON errors. */
const NAMESPACES = {
  'sso-admin': 'com.amazonaws.ssoadmin',
  identitystore: 'com.amazonaws.identitystore',
} as const;

export type IdentityCenterService = keyof typeof NAMESPACES;

/** The X-Amz-Target prefixes of the two services (see the SDKs' runtimeConfig.shared.js). */
const TARGET_PREFIXES: Readonly<Record<string, IdentityCenterService>> = {
  SWBExternalService: 'sso-admin',
  AWSIdentityStore: 'identitystore',
};

/** The SigV4 signing name each service expects in the credential scope. */
export const SIGNING_NAMES: Readonly<Record<IdentityCenterService, string>> = {
  'sso-admin': 'sso',
  identitystore: 'identitystore',
};

/** A JSON-protocol error with the members a modelled exception carries besides its message. */
export class FakeJsonError extends FakeAwsError {
  constructor(
    code: string,
    status: number,
    message: string,
    readonly members: Readonly<Record<string, unknown>> = {},
  ) {
    super(code, status, message);
  }
}

/** `SWBExternalService.CreateAccountAssignment` -> the service and the action. */
export function parseJsonTarget(target: string): {
  service: IdentityCenterService | undefined;
  action: string;
} {
  const dot = target.indexOf('.');
  const prefix = dot < 0 ? target : target.slice(0, dot);
  return { service: TARGET_PREFIXES[prefix], action: dot < 0 ? '' : target.slice(dot + 1) };
}

/**
 * The awsJson1_1 error body: `__type` with the service namespace (the SDK strips it and picks the
 * modelled exception by name), `message`, and the modelled members (Reason, ResourceType, ...).
 */
export function jsonErrorBody(error: FakeAwsError, service: IdentityCenterService | undefined): string {
  const type = service === undefined ? error.code : `${NAMESPACES[service]}#${error.code}`;
  const members = error instanceof FakeJsonError ? error.members : {};
  return JSON.stringify({ __type: type, message: error.message, ...members });
}

const validation = (message: string) => new FakeJsonError('ValidationException', 400, message);

function requiredString(input: Readonly<Record<string, unknown>>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value.length === 0)
    throw validation(
      `1 validation error detected: Value at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

const epochSeconds = (date: Date) => date.getTime() / 1000;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const assignmentKey = (a: FakeAccountAssignment) =>
  `${a.accountId}|${a.permissionSetArn}|${a.principalType}|${a.principalId}`;

/** One page of `all`: NextToken is opaque to clients (an offset here); a bad one is a ValidationException. */
function paged<T>(all: readonly T[], input: Readonly<Record<string, unknown>>, pageSize: number) {
  const max = input.MaxResults;
  if (max !== undefined && (typeof max !== 'number' || max < 1 || max > ASSIGNMENT_PAGE_MAX))
    throw validation(
      `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${ASSIGNMENT_PAGE_MAX}`,
    );
  let start = 0;
  if (input.NextToken !== undefined) {
    const decoded = /^fake-page:(\d+)$/.exec(Buffer.from(String(input.NextToken), 'base64').toString('utf8'));
    if (decoded?.[1] === undefined) throw validation('The NextToken is invalid.');
    start = Number(decoded[1]);
  }
  const size = Math.min(pageSize, typeof max === 'number' ? max : pageSize);
  const end = start + size;
  return {
    page: all.slice(start, end),
    ...(end < all.length ? { NextToken: Buffer.from(`fake-page:${end}`).toString('base64') } : {}),
  };
}

/**
 * One Identity Center instance: its identity store, permission sets, account assignments, and the
 * asynchronous assignment requests. Account assignment changes are asynchronous as in AWS: Create
 * and Delete answer IN_PROGRESS; the change applies when a Describe*Status poll finds the operation
 * done (after `inProgressPolls` polls), when the test calls `settle()`, or never while `hold()` is
 * in force; `failNextAssignment` makes the next one end FAILED with a FailureReason.
 */
export class FakeIdentityCenter {
  readonly instanceArn: string;
  readonly identityStoreId: string;
  readonly ownerAccountId: string;
  readonly region: string;
  readonly partition: string;
  readonly name: string;
  readonly createdAt = new Date('2026-01-01T00:00:00Z');
  /** Accounts registered as delegated administrators: they may call both services too. */
  readonly delegatedAdmins = new Set<string>();
  readonly permissionSets = new Map<string, FakePermissionSet>();
  readonly users = new Map<string, FakeIdentityStoreUser>();
  readonly groups = new Map<string, FakeIdentityStoreGroup>();
  readonly memberships = new Map<string, FakeGroupMembership>();
  /** Assignment requests by RequestId, in the order they were made. */
  readonly operations = new Map<string, FakeAssignmentOperation>();
  /** Describe*Status polls that answer IN_PROGRESS before the next one finds the change done. */
  inProgressPolls = 1;
  /** Page size of ListAccountAssignments, ListGroupMemberships and ListInstances (AWS: up to 100). */
  pageSize = 100;
  private readonly assignments = new Map<string, FakeAccountAssignment>();
  private readonly held = new Set<FakeAssignmentKind>();
  private readonly failures: { kind: FakeAssignmentKind; reason: string; remaining: number }[] = [];

  constructor(options: FakeIdentityCenterOptions) {
    this.ownerAccountId = options.ownerAccountId;
    this.region = options.region ?? 'us-east-1';
    this.partition = options.partition ?? 'aws';
    this.instanceArn = options.instanceArn ?? `arn:${this.partition}:sso:::instance/ssoins-${hex(8)}`;
    this.identityStoreId = options.identityStoreId ?? `d-${hex(5)}`;
    this.name = options.name ?? 'jitbot-test';
  }

  /** `ssoins-…`, as it appears inside permission set ARNs. */
  get instanceId(): string {
    return this.instanceArn.slice(this.instanceArn.indexOf('/') + 1);
  }

  get identityStoreArn(): string {
    return `arn:${this.partition}:identitystore::${this.ownerAccountId}:identitystore/${this.identityStoreId}`;
  }

  /** Whether calls from this account (and region, when given) reach the instance. */
  administeredBy(accountId: string, region?: string): boolean {
    return (
      (region === undefined || region === this.region) &&
      (accountId === this.ownerAccountId || this.delegatedAdmins.has(accountId))
    );
  }

  // ---- set-up and inspection for tests -------------------------------------------------------

  addPermissionSet(options: {
    name: string;
    sessionDuration?: string;
    tags?: Readonly<Record<string, string>>;
    description?: string;
    id?: string;
  }): FakePermissionSet {
    const arn = `arn:${this.partition}:sso:::permissionSet/${this.instanceId}/${options.id ?? `ps-${hex(8)}`}`;
    const permissionSet: FakePermissionSet = {
      arn,
      name: options.name,
      sessionDuration: options.sessionDuration ?? 'PT1H',
      description: options.description,
      tags: new Map(Object.entries(options.tags ?? {})),
      createdAt: this.createdAt,
    };
    this.permissionSets.set(arn, permissionSet);
    return permissionSet;
  }

  /**
   * A user; `emails` as strings makes the first one primary. Ids look like real ones: ten hex
   * digits, a dash and a UUID.
   */
  addUser(options: {
    userName: string;
    emails?: readonly (string | FakeIdentityStoreEmail)[];
    status?: FakeUserStatus;
    displayName?: string;
    userId?: string;
  }): FakeIdentityStoreUser {
    const user: FakeIdentityStoreUser = {
      userId: options.userId ?? `${hex(5)}-${randomUUID()}`,
      userName: options.userName,
      displayName: options.displayName,
      emails: (options.emails ?? []).map((email, index) =>
        typeof email === 'string' ? { value: email, type: 'work', primary: index === 0 } : email,
      ),
      status: options.status,
    };
    this.users.set(user.userId, user);
    return user;
  }

  addGroup(
    displayName: string,
    options: { groupId?: string; description?: string } = {},
  ): FakeIdentityStoreGroup {
    const group: FakeIdentityStoreGroup = {
      groupId: options.groupId ?? `${hex(5)}-${randomUUID()}`,
      displayName,
      description: options.description,
    };
    this.groups.set(group.groupId, group);
    return group;
  }

  /** Makes the user a member (as someone did by hand) and returns the membership; idempotent. */
  addMember(groupId: string, userId: string): FakeGroupMembership {
    const existing = this.membershipOf(groupId, userId);
    if (existing !== undefined) return existing;
    const membership: FakeGroupMembership = { membershipId: randomUUID(), groupId, userId };
    this.memberships.set(membership.membershipId, membership);
    return membership;
  }

  membershipOf(groupId: string, userId: string): FakeGroupMembership | undefined {
    for (const membership of this.memberships.values())
      if (membership.groupId === groupId && membership.userId === userId) return membership;
    return undefined;
  }

  isMember(groupId: string, userId: string): boolean {
    return this.membershipOf(groupId, userId) !== undefined;
  }

  /** Removes a membership directly (as someone did by hand). */
  removeMember(groupId: string, userId: string): boolean {
    const membership = this.membershipOf(groupId, userId);
    return membership !== undefined && this.memberships.delete(membership.membershipId);
  }

  /** An assignment that exists already (made by hand), applied at once. */
  assign(
    assignment: Omit<FakeAccountAssignment, 'principalType'> & { principalType?: FakePrincipalType },
  ): void {
    const full = { principalType: 'USER' as const, ...assignment };
    this.assignments.set(assignmentKey(full), full);
  }

  /** Removes an assignment directly (as someone did by hand). */
  unassign(
    assignment: Omit<FakeAccountAssignment, 'principalType'> & { principalType?: FakePrincipalType },
  ): boolean {
    return this.assignments.delete(assignmentKey({ principalType: 'USER', ...assignment }));
  }

  hasAssignment(
    assignment: Omit<FakeAccountAssignment, 'principalType'> & { principalType?: FakePrincipalType },
  ): boolean {
    return this.assignments.has(assignmentKey({ principalType: 'USER', ...assignment }));
  }

  /** Every applied assignment, in the order they were made. */
  allAssignments(): FakeAccountAssignment[] {
    return [...this.assignments.values()];
  }

  /** The next `times` Create (or Delete) assignment requests end FAILED with `reason`, changing nothing. */
  failNextAssignment(kind: FakeAssignmentKind, reason: string, times = 1): void {
    this.failures.push({ kind, reason, remaining: times });
  }

  /**
   * Holds assignment requests of `kind` (default: both) IN_PROGRESS, however often they are polled,
   * until `release()` or `settle()`: a restart test can stop jitbot while AWS is still working.
   */
  hold(kind?: FakeAssignmentKind): void {
    for (const k of kind === undefined ? (['create', 'delete'] as const) : [kind]) this.held.add(k);
  }

  /** Lets held requests progress again (polls made while held did not count towards `inProgressPolls`). */
  release(kind?: FakeAssignmentKind): void {
    for (const k of kind === undefined ? (['create', 'delete'] as const) : [kind]) this.held.delete(k);
  }

  isHeld(kind: FakeAssignmentKind): boolean {
    return this.held.has(kind);
  }

  /** Finishes IN_PROGRESS requests now (all, or the one with this RequestId), held or not. */
  settle(requestId?: string): FakeAssignmentOperation[] {
    const settled: FakeAssignmentOperation[] = [];
    for (const operation of this.operations.values()) {
      if (operation.status !== 'IN_PROGRESS') continue;
      if (requestId !== undefined && operation.requestId !== requestId) continue;
      this.complete(operation);
      settled.push(operation);
    }
    return settled;
  }

  operationsOf(kind: FakeAssignmentKind): FakeAssignmentOperation[] {
    return [...this.operations.values()].filter((operation) => operation.kind === kind);
  }

  // ---- sso-admin ------------------------------------------------------------------------------

  instanceOutput(): Record<string, unknown> {
    return {
      InstanceArn: this.instanceArn,
      IdentityStoreId: this.identityStoreId,
      IdentityStoreArn: this.identityStoreArn,
      OwnerAccountId: this.ownerAccountId,
      Name: this.name,
      CreatedDate: epochSeconds(this.createdAt),
      Status: 'ACTIVE',
      PrimaryRegion: this.region,
    };
  }

  ssoAdmin(action: string, input: Readonly<Record<string, unknown>>): Record<string, unknown> {
    switch (action) {
      case 'DescribePermissionSet': {
        const permissionSet = this.requirePermissionSet(requiredString(input, 'PermissionSetArn'));
        return {
          PermissionSet: {
            Name: permissionSet.name,
            PermissionSetArn: permissionSet.arn,
            ...(permissionSet.description !== undefined ? { Description: permissionSet.description } : {}),
            CreatedDate: epochSeconds(permissionSet.createdAt),
            SessionDuration: permissionSet.sessionDuration,
          },
        };
      }
      case 'ListTagsForResource': {
        const arn = requiredString(input, 'ResourceArn');
        const tags =
          arn === this.instanceArn ? new Map<string, string>() : this.requirePermissionSet(arn).tags;
        return { Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) };
      }
      case 'ListAccountAssignments': {
        const accountId = requiredString(input, 'AccountId');
        const permissionSetArn = requiredString(input, 'PermissionSetArn');
        this.requirePermissionSet(permissionSetArn);
        const rows = this.allAssignments()
          .filter((a) => a.accountId === accountId && a.permissionSetArn === permissionSetArn)
          .map((a) => ({
            AccountId: a.accountId,
            PermissionSetArn: a.permissionSetArn,
            PrincipalType: a.principalType,
            PrincipalId: a.principalId,
          }));
        const { page, ...next } = paged(rows, input, this.pageSize);
        return { AccountAssignments: page, ...next };
      }
      case 'CreateAccountAssignment':
        return {
          AccountAssignmentCreationStatus: statusOutput(this.request('create', input, 'api').operation),
        };
      case 'DeleteAccountAssignment':
        return {
          AccountAssignmentDeletionStatus: statusOutput(this.request('delete', input, 'api').operation),
        };
      case 'DescribeAccountAssignmentCreationStatus':
        return {
          AccountAssignmentCreationStatus: statusOutput(
            this.poll('create', requiredString(input, 'AccountAssignmentCreationRequestId')),
          ),
        };
      case 'DescribeAccountAssignmentDeletionStatus':
        return {
          AccountAssignmentDeletionStatus: statusOutput(
            this.poll('delete', requiredString(input, 'AccountAssignmentDeletionRequestId')),
          ),
        };
      default:
        throw new FakeJsonError(
          'UnknownOperationException',
          400,
          `The fake sso-admin has no operation ${action}`,
        );
    }
  }

  /**
   * Starts a Create or Delete request. AWS does not document its answer when the assignment
   * already exists (create) or does not exist (delete); the fake answers SUCCEEDED at once and
   * changes nothing. A request for an assignment that another request is still changing is refused
   * with ConflictException, as AWS does for a grant racing a revoke (aws-samples/iam-identity-center-team#515).
   */
  request(
    kind: FakeAssignmentKind,
    input: Readonly<Record<string, unknown>>,
    origin: 'api' | 'schedule',
  ): { operation: FakeAssignmentOperation; existed: boolean } {
    const assignment = this.assignmentFrom(input);
    const key = assignmentKey(assignment);
    for (const other of this.operations.values())
      if (other.status === 'IN_PROGRESS' && assignmentKey(other.assignment) === key)
        throw new FakeJsonError(
          'ConflictException',
          409,
          `An account assignment operation for this principal, permission set and account is already in progress (request ${other.requestId}).`,
        );
    const existed = this.assignments.has(key);
    const nothingToDo = kind === 'create' ? existed : !existed;
    const failure = nothingToDo ? undefined : this.failures.find((f) => f.kind === kind && f.remaining > 0);
    if (failure !== undefined) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
    }
    const operation: FakeAssignmentOperation = {
      requestId: randomUUID(),
      kind,
      instanceArn: this.instanceArn,
      assignment,
      origin,
      createdAt: new Date(),
      status: nothingToDo ? 'SUCCEEDED' : 'IN_PROGRESS',
      failureReason: undefined,
      polls: 0,
      failWith: failure?.reason,
    };
    this.operations.set(operation.requestId, operation);
    return { operation, existed };
  }

  /** A Describe*Status poll: counts it, and finishes the request once it has been polled enough. */
  private poll(kind: FakeAssignmentKind, requestId: string): FakeAssignmentOperation {
    const operation = this.operations.get(requestId);
    if (operation === undefined || operation.kind !== kind)
      throw new FakeJsonError(
        'ResourceNotFoundException',
        404,
        `The account assignment ${kind === 'create' ? 'creation' : 'deletion'} request ${requestId} does not exist.`,
      );
    if (operation.status === 'IN_PROGRESS' && !this.held.has(kind)) {
      if (operation.polls >= this.inProgressPolls) this.complete(operation);
      else operation.polls += 1;
    }
    return operation;
  }

  /** Finishes a request: FAILED with its reason, or SUCCEEDED with the change applied. */
  complete(operation: FakeAssignmentOperation): void {
    if (operation.status !== 'IN_PROGRESS') return;
    if (operation.failWith !== undefined) {
      operation.status = 'FAILED';
      operation.failureReason = operation.failWith;
      return;
    }
    const key = assignmentKey(operation.assignment);
    if (operation.kind === 'create') this.assignments.set(key, operation.assignment);
    else this.assignments.delete(key);
    operation.status = 'SUCCEEDED';
  }

  /** The request shape of Create/DeleteAccountAssignment, checked as AWS would. */
  private assignmentFrom(input: Readonly<Record<string, unknown>>): FakeAccountAssignment {
    const accountId = requiredString(input, 'TargetId');
    const targetType = requiredString(input, 'TargetType');
    const permissionSetArn = requiredString(input, 'PermissionSetArn');
    const principalType = requiredString(input, 'PrincipalType');
    const principalId = requiredString(input, 'PrincipalId');
    if (!/^\d{12}$/.test(accountId))
      throw validation(
        `1 validation error detected: Value '${accountId}' at 'targetId' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}`,
      );
    if (targetType !== 'AWS_ACCOUNT')
      throw validation(
        `1 validation error detected: Value '${targetType}' at 'targetType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_ACCOUNT]`,
      );
    if (principalType !== 'USER' && principalType !== 'GROUP')
      throw validation(
        `1 validation error detected: Value '${principalType}' at 'principalType' failed to satisfy constraint: Member must satisfy enum value set: [USER, GROUP]`,
      );
    this.requirePermissionSet(permissionSetArn);
    // Not confirmed against AWS: an unknown principal may instead be accepted and FAIL later.
    if (principalType === 'USER' ? !this.users.has(principalId) : !this.groups.has(principalId))
      throw new FakeJsonError(
        'ResourceNotFoundException',
        404,
        `${principalType === 'USER' ? 'User' : 'Group'} ${principalId} does not exist in identity store ${this.identityStoreId}.`,
      );
    return { accountId, permissionSetArn, principalType, principalId };
  }

  private requirePermissionSet(arn: string): FakePermissionSet {
    const permissionSet = this.permissionSets.get(arn);
    if (permissionSet === undefined)
      throw new FakeJsonError(
        'ResourceNotFoundException',
        404,
        `Could not find PermissionSet with ARN ${arn}`,
      );
    return permissionSet;
  }

  // ---- identitystore --------------------------------------------------------------------------

  identityStore(action: string, input: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const IdentityStoreId = this.identityStoreId;
    switch (action) {
      case 'GetUserId':
        return { IdentityStoreId, UserId: this.userIdFor(input.AlternateIdentifier) };
      case 'DescribeUser': {
        const user = this.requireUser(requiredString(input, 'UserId'));
        return {
          IdentityStoreId,
          UserId: user.userId,
          UserName: user.userName,
          ...(user.displayName !== undefined ? { DisplayName: user.displayName } : {}),
          Emails: user.emails.map((email) => ({
            Value: email.value,
            ...(email.type !== undefined ? { Type: email.type } : {}),
            ...(email.primary !== undefined ? { Primary: email.primary } : {}),
          })),
          ...(user.status !== undefined ? { UserStatus: user.status } : {}),
        };
      }
      case 'DescribeGroup': {
        const group = this.requireGroup(requiredString(input, 'GroupId'));
        return {
          IdentityStoreId,
          GroupId: group.groupId,
          DisplayName: group.displayName,
          ...(group.description !== undefined ? { Description: group.description } : {}),
        };
      }
      case 'GetGroupMembershipId': {
        const groupId = requiredString(input, 'GroupId');
        const userId = memberUserId(input);
        const membership = this.membershipOf(groupId, userId);
        if (membership === undefined)
          throw new FakeJsonError(
            'ResourceNotFoundException',
            404,
            `Member ${userId} is not a member of group ${groupId}.`,
            { ResourceType: 'GROUP_MEMBERSHIP', ResourceId: groupId },
          );
        return { IdentityStoreId, MembershipId: membership.membershipId };
      }
      case 'IsMemberInGroups': {
        const userId = memberUserId(input);
        this.requireUser(userId);
        const groupIds = input.GroupIds;
        if (!Array.isArray(groupIds) || groupIds.length === 0 || groupIds.length > 100)
          throw validation(
            "1 validation error detected: Value at 'groupIds' failed to satisfy constraint: Member must have length between 1 and 100",
          );
        return {
          Results: groupIds.map((groupId) => ({
            GroupId: groupId,
            MemberId: { UserId: userId },
            MembershipExists: this.isMember(String(groupId), userId),
          })),
        };
      }
      case 'ListGroupMemberships': {
        const groupId = requiredString(input, 'GroupId');
        this.requireGroup(groupId);
        const rows = [...this.memberships.values()]
          .filter((membership) => membership.groupId === groupId)
          .map((membership) => ({
            IdentityStoreId,
            MembershipId: membership.membershipId,
            GroupId: membership.groupId,
            MemberId: { UserId: membership.userId },
          }));
        const { page, ...next } = paged(rows, input, this.pageSize);
        return { GroupMemberships: page, ...next };
      }
      case 'CreateGroupMembership': {
        const groupId = requiredString(input, 'GroupId');
        const userId = memberUserId(input);
        this.requireGroup(groupId);
        this.requireUser(userId);
        // AWS does not document this answer; emulators (and its Reason enum) say Conflict, 409.
        if (this.isMember(groupId, userId))
          throw new FakeJsonError(
            'ConflictException',
            409,
            `Member ${userId} already exists in group ${groupId}.`,
            {
              Reason: 'UNIQUENESS_CONSTRAINT_VIOLATION',
            },
          );
        return { IdentityStoreId, MembershipId: this.addMember(groupId, userId).membershipId };
      }
      case 'DeleteGroupMembership':
        this.deleteMembership(requiredString(input, 'MembershipId'));
        return {};
      default:
        throw new FakeJsonError(
          'UnknownOperationException',
          400,
          `The fake identitystore has no operation ${action}`,
        );
    }
  }

  deleteMembership(membershipId: string): void {
    if (!this.memberships.delete(membershipId))
      throw new FakeJsonError(
        'ResourceNotFoundException',
        404,
        `GroupMembership ${membershipId} does not exist.`,
        {
          ResourceType: 'GROUP_MEMBERSHIP',
          ResourceId: membershipId,
        },
      );
  }

  /**
   * GetUserId by UniqueAttribute: `userName` or `emails.value`, matched exactly (whether AWS folds
   * case, or matches only primary emails, is not documented). ExternalId is not supported by the fake.
   */
  private userIdFor(alternate: unknown): string {
    const unique = (
      alternate as { UniqueAttribute?: { AttributePath?: unknown; AttributeValue?: unknown } } | undefined
    )?.UniqueAttribute;
    if (unique === undefined)
      throw validation('The fake identitystore supports only AlternateIdentifier.UniqueAttribute.');
    const path = unique.AttributePath;
    const value = unique.AttributeValue;
    if (path !== 'userName' && path !== 'emails.value')
      throw validation(
        `Invalid AttributePath ${String(path)}: the only valid paths are userName and emails.value.`,
      );
    if (typeof value !== 'string') throw validation('AttributeValue must be a string.');
    for (const user of this.users.values())
      if (path === 'userName' ? user.userName === value : user.emails.some((email) => email.value === value))
        return user.userId;
    throw new FakeJsonError('ResourceNotFoundException', 404, 'USER not found.', {
      ResourceType: 'USER',
    });
  }

  private requireUser(userId: string): FakeIdentityStoreUser {
    const user = this.users.get(userId);
    if (user === undefined)
      throw new FakeJsonError('ResourceNotFoundException', 404, `User ${userId} does not exist.`, {
        ResourceType: 'USER',
        ResourceId: userId,
      });
    return user;
  }

  private requireGroup(groupId: string): FakeIdentityStoreGroup {
    const group = this.groups.get(groupId);
    if (group === undefined)
      throw new FakeJsonError('ResourceNotFoundException', 404, `Group ${groupId} does not exist.`, {
        ResourceType: 'GROUP',
        ResourceId: groupId,
      });
    return group;
  }
}

function memberUserId(input: Readonly<Record<string, unknown>>): string {
  const userId = (input.MemberId as { UserId?: unknown } | undefined)?.UserId;
  if (typeof userId !== 'string' || userId.length === 0)
    throw validation(
      "1 validation error detected: Value at 'memberId' failed to satisfy constraint: Member must not be null",
    );
  return userId;
}

function statusOutput(operation: FakeAssignmentOperation): Record<string, unknown> {
  const { assignment } = operation;
  return {
    Status: operation.status,
    RequestId: operation.requestId,
    ...(operation.failureReason !== undefined ? { FailureReason: operation.failureReason } : {}),
    TargetId: assignment.accountId,
    TargetType: 'AWS_ACCOUNT',
    PermissionSetArn: assignment.permissionSetArn,
    PrincipalType: assignment.principalType,
    PrincipalId: assignment.principalId,
    CreatedDate: epochSeconds(operation.createdAt),
  };
}

/**
 * One sso-admin or identitystore call against the instances the fake holds, as the caller's
 * session sees them: only the owner account and delegated administrators, in the home region.
 */
export function identityCenterCall(
  centers: readonly FakeIdentityCenter[],
  service: IdentityCenterService,
  action: string,
  input: Readonly<Record<string, unknown>>,
  caller: FakeIdentityCenterCaller,
): Record<string, unknown> {
  if (service === 'sso-admin' && action === 'ListInstances') {
    const visible = centers.filter((center) => center.administeredBy(caller.accountId, caller.region));
    const { page, ...next } = paged(
      visible.map((center) => center.instanceOutput()),
      input,
      Math.min(...visible.map((center) => center.pageSize), ASSIGNMENT_PAGE_MAX),
    );
    return { Instances: page, ...next };
  }
  const center =
    service === 'sso-admin'
      ? findCenter(centers, requiredString(input, 'InstanceArn'), 'InstanceArn', caller)
      : findCenter(centers, requiredString(input, 'IdentityStoreId'), 'IdentityStoreId', caller);
  const iamAction = `${service === 'sso-admin' ? 'sso' : 'identitystore'}:${action}`;
  if (!center.administeredBy(caller.accountId))
    throw new FakeJsonError(
      'AccessDeniedException',
      403,
      `User: ${caller.principalArn} is not authorized to perform: ${iamAction} on resource: ${service === 'sso-admin' ? center.instanceArn : center.identityStoreArn}`,
    );
  return service === 'sso-admin' ? center.ssoAdmin(action, input) : center.identityStore(action, input);
}

function findCenter(
  centers: readonly FakeIdentityCenter[],
  id: string,
  by: 'InstanceArn' | 'IdentityStoreId',
  caller: FakeIdentityCenterCaller,
): FakeIdentityCenter {
  const center = centers.find((c) => (by === 'InstanceArn' ? c.instanceArn : c.identityStoreId) === id);
  if (center === undefined || (caller.region !== undefined && caller.region !== center.region))
    throw new FakeJsonError(
      'ResourceNotFoundException',
      404,
      center === undefined
        ? `${by} ${id} does not exist.`
        : `${by} ${id} does not exist in ${caller.region} (the fake's instance lives in ${center.region}).`,
      by === 'IdentityStoreId' ? { ResourceType: 'IDENTITY_STORE', ResourceId: id } : {},
    );
  return center;
}

const UNIVERSAL_TARGET = /^arn:([\w-]+):scheduler:::aws-sdk:(ssoadmin|identitystore):(\w+)$/;

/**
 * Runs an EventBridge Scheduler universal target of sso-admin or identitystore fired from a
 * schedule in `accountId`, with its PascalCase JSON Input, as Scheduler would call the API.
 * Undefined: not an Identity Center target. deleteAccountAssignment starts a deletion request that
 * finishes at once (unless `hold('delete')` is in force: then it stays IN_PROGRESS, and Scheduler,
 * which sees only the IN_PROGRESS answer, counts it a success either way).
 */
export function runIdentityCenterTarget(
  centers: readonly FakeIdentityCenter[],
  accountId: string,
  targetArn: string,
  input: Readonly<Record<string, unknown>>,
): FiredOutcome | undefined {
  const match = UNIVERSAL_TARGET.exec(targetArn);
  if (match === null) return undefined;
  const [, partition, service, action] = match;
  try {
    if (service === 'ssoadmin' && action === 'deleteAccountAssignment') {
      const center = centers.find((c) => c.instanceArn === input.InstanceArn);
      if (center === undefined) return 'ResourceNotFoundException';
      if (center.partition !== partition) return 'ValidationException';
      if (!center.administeredBy(accountId)) return 'AccessDeniedException';
      const { operation, existed } = center.request('delete', input, 'schedule');
      if (!existed) return 'already-absent';
      if (operation.status === 'IN_PROGRESS' && !center.isHeld('delete')) center.complete(operation);
      return operation.status === 'SUCCEEDED'
        ? 'removed'
        : operation.status === 'FAILED'
          ? 'failed'
          : 'in-progress';
    }
    if (service === 'identitystore' && action === 'deleteGroupMembership') {
      const center = centers.find((c) => c.identityStoreId === input.IdentityStoreId);
      if (center === undefined) return 'ResourceNotFoundException';
      if (center.partition !== partition) return 'ValidationException';
      if (!center.administeredBy(accountId)) return 'AccessDeniedException';
      center.deleteMembership(requiredString(input, 'MembershipId'));
      return 'removed';
    }
    return 'UnknownOperationException';
  } catch (error) {
    if (error instanceof FakeAwsError)
      return error.code.endsWith('Exception') ? (error.code as `${string}Exception`) : 'failed';
    throw error;
  }
}
