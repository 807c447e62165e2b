import { FakeAwsError } from './fake-aws-error.js';
import {
  checkNewPolicy,
  DEFAULT_POLICY_DOCUMENT,
  type FakePolicy,
  newPolicyId,
  presetPolicy,
} from './fake-iam-policies.js';

export { FakeAwsError } from './fake-aws-error.js';
export type { FakePolicy } from './fake-iam-policies.js';

export interface FakeSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  /** The definition exactly as the client sent it (CreateSchedule / UpdateSchedule body). */
  readonly definition: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** EventBridge Scheduler's universal targets the fake can run. */
export const REMOVE_USER_FROM_GROUP_ARN = 'arn:aws:scheduler:::aws-sdk:iam:removeUserFromGroup';
export const DETACH_USER_POLICY_ARN = 'arn:aws:scheduler:::aws-sdk:iam:detachUserPolicy';

/**
 * How a fired schedule's target call went: 'removed', or the error the target API answered. For
 * Identity Center targets also 'already-absent' (an assignment that was not there: the API answers
 * success), 'in-progress' (a deletion request held IN_PROGRESS) and 'failed' (one that ended FAILED).
 */
export type FiredOutcome =
  | 'removed'
  | 'NoSuchEntity'
  | 'already-absent'
  | 'in-progress'
  | 'failed'
  | `${string}Exception`;

/** Runs a universal target this account's own state does not know; undefined when it is not one it knows either. */
export type OtherTargetRunner = (arn: string, input: Record<string, unknown>) => FiredOutcome | undefined;

/** The most schedules one ListSchedules page may ask for. */
const SCHEDULES_PAGE_MAX = 100;

function stateOf(schedule: FakeSchedule): string {
  return String(schedule.definition.State ?? 'ENABLED');
}

/** The offset an opaque NextToken of this fake stands for; any other token is a ValidationException. */
function pageStart(token: string): number {
  const decoded = /^fake-schedules:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  if (decoded?.[1] === undefined) throw new FakeAwsError('ValidationException', 400, 'Invalid NextToken.');
  return Number(decoded[1]);
}

/** IAM's default quota of managed policies attached to one user. */
export const POLICIES_PER_USER = 10;

/** What one account holds: IAM users, groups with their members, managed policies, and schedules. */
export class FakeAwsAccount {
  readonly users = new Set<string>();
  readonly groups = new Map<string, Set<string>>();
  /** Group paths; jitbot's groups live under /jit/, so that is the default. */
  readonly groupPaths = new Map<string, string>();
  /** Managed policies by ARN, with the users each is attached to. */
  readonly policies = new Map<string, Set<string>>();
  /** What IAM keeps of each policy besides its attachments: name, path, id, document. */
  private readonly policyRecords = new Map<string, FakePolicy>();
  readonly schedules = new Map<string, FakeSchedule>();
  /** Results of fired schedules, as the Scheduler's target invocations would have gone. */
  readonly fired: { schedule: string; outcome: FiredOutcome }[] = [];

  constructor(readonly accountId: string) {}

  addUser(name: string, groups: readonly string[] = []): this {
    this.users.add(name);
    for (const group of groups) this.addGroup(group).add(name);
    return this;
  }

  addGroup(name: string, path = '/jit/'): Set<string> {
    let members = this.groups.get(name);
    if (members === undefined) {
      members = new Set();
      this.groups.set(name, members);
      this.groupPaths.set(name, path);
    }
    return members;
  }

  pathOf(group: string): string {
    return this.groupPaths.get(group) ?? '/jit/';
  }

  groupsOf(user: string): string[] {
    return [...this.groups].filter(([, members]) => members.has(user)).map(([group]) => group);
  }

  isMember(group: string, user: string): boolean {
    return this.groups.get(group)?.has(user) ?? false;
  }

  /**
   * A policy put in place by the test, as if an administrator had created it: `document` is the
   * JSON text GetPolicyVersion returns (default: a harmless one). Its attachments, to add to.
   */
  addPolicy(arn: string, document: string = DEFAULT_POLICY_DOCUMENT): Set<string> {
    let users = this.policies.get(arn);
    if (users === undefined) {
      users = new Set();
      this.policies.set(arn, users);
      this.policyRecords.set(arn, presetPolicy(arn, document));
    }
    return users;
  }

  /** CreatePolicy: names are unique in the account whatever the path, and compared ignoring case. */
  createPolicy(request: { name: string; path: string; document: string; description?: string }): FakePolicy {
    checkNewPolicy(request.name, request.path, request.document);
    const taken = request.name.toLowerCase();
    if (this.listPolicies().some((policy) => policy.name.toLowerCase() === taken))
      throw new FakeAwsError(
        'EntityAlreadyExists',
        409,
        `A policy called ${request.name} already exists. Duplicate names are not allowed.`,
      );
    const arn = `arn:aws:iam::${this.accountId}:policy${request.path}${request.name}`;
    const policy: FakePolicy = { arn, ...request, id: newPolicyId(), createdAt: new Date() };
    this.policies.set(arn, new Set());
    this.policyRecords.set(arn, policy);
    return policy;
  }

  /** DeletePolicy: refused while the policy is attached to anyone. */
  deletePolicy(arn: string): void {
    const users = this.policies.get(arn);
    if (users === undefined) throw new FakeAwsError('NoSuchEntity', 404, `Policy ${arn} was not found.`);
    if (users.size > 0)
      throw new FakeAwsError('DeleteConflict', 409, 'Cannot delete a policy attached to entities.');
    this.policies.delete(arn);
    this.policyRecords.delete(arn);
  }

  /** The policy with this ARN, or NoSuchEntity as GetPolicy answers it. */
  requirePolicyRecord(arn: string): FakePolicy {
    this.requirePolicy(arn);
    return this.recordOf(arn);
  }

  /** Every managed policy of the account, in the order they were created. */
  listPolicies(): FakePolicy[] {
    return [...this.policies.keys()].map((arn) => this.recordOf(arn));
  }

  /** The policy's document as JSON.parse reads it; undefined when there is no such policy. */
  policyDocument(arn: string): unknown {
    return this.policies.has(arn) ? JSON.parse(this.recordOf(arn).document) : undefined;
  }

  /** The policy's path (`/jit/generated/`); undefined when there is no such policy. */
  policyPath(arn: string): string | undefined {
    return this.policies.has(arn) ? this.recordOf(arn).path : undefined;
  }

  /** A test may have put a policy straight into `policies`: it then has the default document. */
  private recordOf(arn: string): FakePolicy {
    let record = this.policyRecords.get(arn);
    if (record === undefined) {
      record = presetPolicy(arn, DEFAULT_POLICY_DOCUMENT);
      this.policyRecords.set(arn, record);
    }
    return record;
  }

  /** The ARNs of the managed policies attached to a user, in the order they were created. */
  policiesOf(user: string): string[] {
    return [...this.policies].filter(([, users]) => users.has(user)).map(([arn]) => arn);
  }

  hasPolicy(user: string, arn: string): boolean {
    return this.policies.get(arn)?.has(user) ?? false;
  }

  requirePolicy(arn: string): Set<string> {
    const users = this.policies.get(arn);
    if (users === undefined)
      throw new FakeAwsError('NoSuchEntity', 404, `Policy ${arn} does not exist or is not attachable.`);
    return users;
  }

  attachPolicy(arn: string, user: string): void {
    this.requireUser(user);
    const users = this.requirePolicy(arn);
    // Real IAM: attaching an attached policy again succeeds.
    if (!users.has(user) && this.policiesOf(user).length >= POLICIES_PER_USER)
      throw new FakeAwsError(
        'LimitExceeded',
        409,
        `Cannot exceed quota for PoliciesPerUser: ${POLICIES_PER_USER}`,
      );
    users.add(user);
  }

  detachPolicy(arn: string, user: string): void {
    this.requireUser(user);
    if (!this.policies.get(arn)?.delete(user))
      throw new FakeAwsError('NoSuchEntity', 404, `Policy ${arn} was not found.`);
  }

  schedule(groupName: string, name: string): FakeSchedule | undefined {
    return this.schedules.get(`${groupName}/${name}`);
  }

  requireUser(name: string): string {
    if (!this.users.has(name))
      throw new FakeAwsError('NoSuchEntity', 404, `The user with name ${name} cannot be found.`);
    return name;
  }

  requireGroup(name: string): Set<string> {
    const members = this.groups.get(name);
    if (members === undefined)
      throw new FakeAwsError('NoSuchEntity', 404, `The group with name ${name} cannot be found.`);
    return members;
  }

  addMember(group: string, user: string): void {
    const members = this.requireGroup(group);
    this.requireUser(user);
    // Real IAM: adding a member twice succeeds.
    members.add(user);
  }

  removeMember(group: string, user: string): void {
    const members = this.requireGroup(group);
    this.requireUser(user);
    if (!members.delete(user))
      throw new FakeAwsError(
        'NoSuchEntity',
        404,
        `The user with name ${user} cannot be found in group ${group}.`,
      );
  }

  scheduler(
    action: string,
    name: string,
    groupName: string,
    input: Record<string, unknown>,
  ): Record<string, unknown> {
    const key = `${groupName}/${name}`;
    const existing = this.schedules.get(key);
    const arn = `arn:aws:scheduler:us-east-1:${this.accountId}:schedule/${groupName}/${name}`;
    const missing = () =>
      new FakeAwsError('ResourceNotFoundException', 404, `Schedule ${name} does not exist.`);
    switch (action) {
      case 'CreateSchedule':
        if (existing !== undefined)
          throw new FakeAwsError('ConflictException', 409, `Schedule ${name} already exists.`);
        this.schedules.set(key, {
          name,
          groupName,
          arn,
          definition: input,
          createdAt: new Date(),
          updatedAt: new Date(),
        });
        return { ScheduleArn: arn };
      case 'UpdateSchedule':
        if (existing === undefined) throw missing();
        this.schedules.set(key, { ...existing, definition: input, updatedAt: new Date() });
        return { ScheduleArn: arn };
      case 'GetSchedule':
        if (existing === undefined) throw missing();
        return {
          ...existing.definition,
          Name: name,
          GroupName: groupName,
          Arn: arn,
          State: 'ENABLED',
          CreationDate: existing.createdAt.getTime() / 1000,
          LastModificationDate: existing.updatedAt.getTime() / 1000,
        };
      case 'DeleteSchedule':
        if (existing === undefined) throw missing();
        this.schedules.delete(key);
        return {};
      default:
        throw new FakeAwsError('UnknownOperationException', 404, `no operation ${action}`);
    }
  }

  /**
   * ListSchedules as Scheduler answers it (its query names: ScheduleGroup, NamePrefix, State,
   * MaxResults, NextToken): summaries of every schedule, or of one group's, oldest first, paged
   * with an opaque NextToken (an offset here).
   */
  listSchedules(query: Readonly<Record<string, string>>, pageSize: number): Record<string, unknown> {
    const { ScheduleGroup: group, NamePrefix: prefix, State: state } = query;
    if (prefix !== undefined && !/^[0-9a-zA-Z_.-]{1,64}$/.test(prefix))
      throw new FakeAwsError('ValidationException', 400, `Invalid NamePrefix ${prefix}.`);
    const max = query.MaxResults === undefined ? pageSize : Number(query.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > SCHEDULES_PAGE_MAX)
      throw new FakeAwsError(
        'ValidationException',
        400,
        `MaxResults must be between 1 and ${SCHEDULES_PAGE_MAX}.`,
      );
    const start = query.NextToken === undefined ? 0 : pageStart(query.NextToken);
    const listed = [...this.schedules.values()].filter(
      (schedule) =>
        (group === undefined || schedule.groupName === group) &&
        (prefix === undefined || schedule.name.startsWith(prefix)) &&
        (state === undefined || stateOf(schedule) === state),
    );
    const end = start + Math.min(max, pageSize);
    return {
      Schedules: listed.slice(start, end).map((schedule) => ({
        Arn: schedule.arn,
        Name: schedule.name,
        GroupName: schedule.groupName,
        State: stateOf(schedule),
        CreationDate: schedule.createdAt.getTime() / 1000,
        LastModificationDate: schedule.updatedAt.getTime() / 1000,
        Target: { Arn: (schedule.definition.Target as { Arn?: unknown } | undefined)?.Arn },
      })),
      ...(end < listed.length ? { NextToken: Buffer.from(`fake-schedules:${end}`).toString('base64') } : {}),
    };
  }

  /** Schedules whose `at(...)` time (in UTC) is at or before `date`. */
  dueSchedules(date: Date): FakeSchedule[] {
    return [...this.schedules.values()].filter((schedule) => {
      const at = /^at\((.+)\)$/.exec(String(schedule.definition.ScheduleExpression ?? ''))?.[1];
      return at !== undefined && Date.parse(`${at}Z`) <= date.getTime();
    });
  }

  /**
   * Runs the schedule's target (IAM removeUserFromGroup or detachUserPolicy, or what `other` runs:
   * the Identity Center targets) and deletes the schedule.
   */
  fire(schedule: FakeSchedule, other?: OtherTargetRunner): void {
    const target = schedule.definition.Target as { Arn?: unknown; Input?: unknown } | undefined;
    const otherOutcome =
      typeof target?.Input === 'string' && typeof target.Arn === 'string'
        ? other?.(target.Arn, JSON.parse(target.Input) as Record<string, unknown>)
        : undefined;
    if (otherOutcome !== undefined) this.fired.push({ schedule: schedule.name, outcome: otherOutcome });
    else if (typeof target?.Input === 'string') {
      const input = JSON.parse(target.Input) as { GroupName?: string; PolicyArn?: string; UserName?: string };
      const user = input.UserName ?? '';
      const removed =
        target.Arn === REMOVE_USER_FROM_GROUP_ARN
          ? (this.groups.get(input.GroupName ?? '')?.delete(user) ?? false)
          : target.Arn === DETACH_USER_POLICY_ARN
            ? (this.policies.get(input.PolicyArn ?? '')?.delete(user) ?? false)
            : false;
      this.fired.push({ schedule: schedule.name, outcome: removed ? 'removed' : 'NoSuchEntity' });
    }
    if (schedule.definition.ActionAfterCompletion === 'DELETE')
      this.schedules.delete(`${schedule.groupName}/${schedule.name}`);
  }
}
