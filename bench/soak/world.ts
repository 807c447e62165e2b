/**
 * The soak's fakes, in this process: the test suite's fake AWS, Slack and Okta, unchanged. Each
 * record they keep gets the time it was made (their `calls` arrays are wrapped, not edited), and
 * the EventBridge backstop is run as AWS would run it. These records are the ground truth the
 * verdict is drawn from.
 */
import { FakeAws, type FakeAwsAccount, type FakeAwsCall } from '../../test/support/fake-aws.js';
import { type FakeGroup, FakeOkta, type FakeUser } from '../../test/support/fake-okta.js';
import { type FakeSlack, type SlackCall, startFakeSlack } from '../../test/support/fake-slack.js';

export const ACCOUNT_ID = '111111111111';
export const CONNECTOR_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/jitbot-connector`;
export const SCHEDULER_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/jitbot-scheduler`;
export const EXTERNAL_ID = 'soak-external-id';
export const OKTA_TOKEN = 'soak-okta-token-0123456789';
export const OKTA_GROUP_ID = '00gsoak0000000000001';
export const ADMIN_CHANNEL = 'CSOAKADMIN';
export const APPROVERS = ['USOAKAPPR1', 'USOAKAPPR2', 'USOAKAPPR3'] as const;

/** Where each target's access lives: an IAM group or the Okta group. */
export const TARGETS = {
  'soak-admin': { group: 'jit-soak-admin' },
  'soak-admin-alias': { group: 'jit-soak-admin' },
  'soak-two-person': { group: 'jit-soak-2p' },
  'soak-breakglass': { group: 'jit-soak-bg' },
  'soak-okta': { okta: OKTA_GROUP_ID },
} as const satisfies Record<string, { group: string } | { okta: string }>;

export type TargetId = keyof typeof TARGETS;

export const IAM_GROUPS = ['jit-soak-admin', 'jit-soak-2p', 'jit-soak-bg'] as const;

const durations = { default: '1m', max: '10m' };

/** The catalog both replicas run (each with its own Okta proxy as orgUrl). */
/** Each replica's own Okta token (the shared Okta proxy tells the replicas apart by it). */
export const replicaOktaToken = (slot: string): string => `${OKTA_TOKEN}-${slot}`;

export function soakCatalog(oktaUrl: string, oktaToken: string): Record<string, unknown> {
  const approvers = { users: [APPROVERS[0], APPROVERS[1]] };
  return {
    settings: {
      adminChannel: ADMIN_CHANNEL,
      // Short, so that approval timeouts happen within a run; approvers here click within seconds.
      approvalTimeout: '1m',
      // Grants of 2-3 minutes get a warning (with Extend and Revoke now); 1-minute ones are too short.
      expiryWarning: '45s',
    },
    accounts: [
      {
        id: 'soak',
        name: 'Soak',
        accountId: ACCOUNT_ID,
        region: 'us-east-1',
        connectorRoleArn: CONNECTOR_ROLE_ARN,
        externalId: EXTERNAL_ID,
        schedulerRoleArn: SCHEDULER_ROLE_ARN,
        userMapping: 'email-local-part',
      },
    ],
    okta: { orgUrl: oktaUrl, token: oktaToken },
    targets: [
      {
        id: 'soak-admin',
        name: 'Soak admin',
        kind: 'aws-iam-group',
        account: 'soak',
        group: 'jit-soak-admin',
        durations,
        approvers,
      },
      {
        id: 'soak-admin-alias',
        name: 'Soak admin (alias)',
        kind: 'aws-iam-group',
        account: 'soak',
        group: 'jit-soak-admin',
        durations,
        approvers,
      },
      {
        id: 'soak-two-person',
        name: 'Soak two-person',
        kind: 'aws-iam-group',
        account: 'soak',
        group: 'jit-soak-2p',
        durations,
        approvers: { users: [...APPROVERS], required: 2 },
      },
      {
        id: 'soak-breakglass',
        name: 'Soak breakglass',
        kind: 'aws-iam-group',
        account: 'soak',
        group: 'jit-soak-bg',
        durations,
        breakglass: true,
      },
      {
        id: 'soak-okta',
        name: 'Soak Okta',
        kind: 'okta-group',
        groupId: OKTA_GROUP_ID,
        durations,
        approvers,
      },
    ],
  };
}

export const emailOf = (userId: string) => `${userId.toLowerCase()}@example.com`;
export const iamUserOf = (userId: string) => userId.toLowerCase();

/** A removal EventBridge made by running a backstop schedule. */
export interface FiredRemoval {
  readonly at: number;
  readonly group: string;
  readonly user: string;
  readonly outcome: string;
}

export class SoakWorld {
  readonly aws = new FakeAws();
  readonly iam: FakeAwsAccount = this.aws.account(ACCOUNT_ID);
  readonly okta = new FakeOkta({ token: OKTA_TOKEN });
  readonly oktaGroup: FakeGroup = this.okta.addGroup({ id: OKTA_GROUP_ID, name: 'Soak Okta' });
  /** When the fake AWS carried out each call. */
  readonly awsAt = new Map<FakeAwsCall, number>();
  /** When the fake Slack received each call. */
  readonly slackAt = new Map<SlackCall, number>();
  readonly fired: FiredRemoval[] = [];
  /** Okta user id -> Slack user id. */
  readonly oktaUsers = new Map<string, string>();
  /** Memberships put in place before jitbot was asked: `group\tuser` (IAM users). */
  readonly preExisting = new Set<string>();
  /** `channel\trequestId` for every message posted that names the request: what people have seen. */
  private readonly seen = new Set<string>();
  slack!: FakeSlack;
  awsUrl = '';
  slackUrl = '';
  oktaUrl = '';
  private backstopTimer: NodeJS.Timeout | undefined;

  async start(): Promise<void> {
    this.aws.addRole(CONNECTOR_ROLE_ARN, EXTERNAL_ID);
    for (const group of IAM_GROUPS) this.iam.addGroup(group);
    stampPushes(this.aws.calls, this.awsAt);
    this.awsUrl = await this.aws.start();
    this.slack = await startFakeSlack();
    stampPushes(this.slack.calls, this.slackAt, (call) => {
      if (call.method !== 'chat.postMessage') return;
      for (const id of JSON.stringify(call.args).match(/REQ-[0-9A-Z]{8}/g) ?? [])
        this.seen.add(`${String(call.args.channel)}\t${id}`);
    });
    // Every person has an email, an IAM user and an Okta user, as the harness gives them.
    this.slack.on('users.info', (args) => {
      const id = String(args.user);
      this.provision(id);
      return {
        user: { id, team_id: 'TFAKE', deleted: false, is_bot: false, profile: { email: emailOf(id) } },
      };
    });
    this.slackUrl = this.slack.url;
    this.oktaUrl = await this.okta.start();
    // EventBridge Scheduler: due schedules fire (within 60 s in AWS; every 2 s here).
    this.backstopTimer = setInterval(() => this.fireDueBackstops(), 2_000);
  }

  provision(userId: string): FakeUser {
    const name = iamUserOf(userId);
    if (!this.iam.users.has(name)) this.iam.addUser(name);
    const existing = [...this.oktaUsers].find(([, slackUser]) => slackUser === userId);
    if (existing)
      return { id: existing[0], login: emailOf(userId), email: emailOf(userId), status: 'ACTIVE' };
    const user = this.okta.addUser({ login: emailOf(userId) });
    this.oktaUsers.set(user.id, userId);
    return user;
  }

  /** Whether a message naming `requestId` reached `channel` (a person's DM: their user id). */
  hasSeen(channel: string, requestId: string): boolean {
    return this.seen.has(`${channel}\t${requestId}`);
  }

  /** The person is already in the group before anyone asks jitbot (an IAM admin did it). */
  makeMemberBeforehand(userId: string, group: string): void {
    this.provision(userId);
    this.iam.addUser(iamUserOf(userId), [group]);
    this.preExisting.add(`${group}\t${iamUserOf(userId)}`);
  }

  private fireDueBackstops(): void {
    const now = new Date();
    const due = this.iam.dueSchedules(now);
    if (due.length === 0) return;
    const before = this.iam.fired.length;
    this.aws.fireSchedulesDueBy(now);
    const at = Date.now();
    for (const [index, schedule] of due.entries()) {
      const input = JSON.parse(String((schedule.definition.Target as { Input?: string })?.Input ?? '{}')) as {
        GroupName?: string;
        UserName?: string;
      };
      const outcome = this.iam.fired[before + index]?.outcome ?? 'unknown';
      this.fired.push({ at, group: input.GroupName ?? '', user: input.UserName ?? '', outcome });
    }
  }

  async stop(): Promise<void> {
    if (this.backstopTimer) clearInterval(this.backstopTimer);
    await this.slack?.close();
    await this.aws.stop();
    await this.okta.stop();
  }
}

/** Notes the time of every record a fake appends, as it appends it (after it acted). */
function stampPushes<T extends object>(
  records: T[],
  times: Map<T, number>,
  onPush?: (item: T) => void,
): void {
  const push = records.push.bind(records);
  records.push = (...items: T[]): number => {
    const at = Date.now();
    for (const item of items) {
      times.set(item, at);
      onPush?.(item);
    }
    return push(...items);
  };
}
