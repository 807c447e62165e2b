import type { Target } from '../../src/domain/catalog.js';
import {
  type AccessProvider,
  type Backstop,
  type CallContext,
  type GrantResult,
  ProviderError,
  type RevokeResult,
} from '../../src/ports/access-provider.js';

/** What the memory provider should do on its next call of a method. */
export type Scripted = (principal: string) => void;

/**
 * An in-memory provider for workflow tests: it keeps memberships and backstop schedules in maps,
 * and each method can be scripted to fail, so every path of the grant workflow is reachable
 * without timing games. The end-to-end tests use the real AWS and Okta providers instead.
 */
export class MemoryProvider implements AccessProvider {
  readonly kind = 'aws-iam-group' as const;
  readonly readsLagWrites = true;
  readonly members = new Set<string>();
  readonly schedules = new Map<string, Date>();
  readonly calls: string[] = [];
  /** Reads say "member" for these people whatever the truth (IAM's eventual consistency). */
  readonly staleMembers = new Set<string>();
  /** Resources that `asGranted` cannot reach any more (as if the target moved to another account). */
  readonly unreachable = new Set<string>();
  /** The group (or policy) of each revoke, in order: what the revoker asked to take away. */
  readonly revokedFrom: string[] = [];
  /** The same for each grant. */
  readonly grantedTo: string[] = [];
  private readonly scripts = new Map<string, Scripted[]>();

  readonly backstop: Backstop = {
    available: () => true,
    set: async (_target, _principal, grantId, at) => {
      this.run('backstop.set', grantId);
      this.schedules.set(grantId, at);
    },
    clear: async (_target, grantId) => {
      this.run('backstop.clear', grantId);
      this.schedules.delete(grantId);
    },
    exists: async (_target, grantId) => {
      this.run('backstop.exists', grantId);
      return this.schedules.has(grantId);
    },
  };

  /** The next call of `method` runs `script` first (it may throw). */
  script(method: string, script: Scripted): void {
    this.scripts.set(method, [...(this.scripts.get(method) ?? []), script]);
  }

  resourceOf(target: Target): string {
    switch (target.kind) {
      case 'aws-iam-group':
        return `memory:${target.group}`;
      case 'aws-iam-policy':
        return `memory:${target.policyArn}`;
      case 'aws-sso-permission-set':
        return `memory:${target.permissionSetArn}:${target.accountId}`;
      case 'aws-iam-generated-policy':
        return `memory:${target.id}`;
      default:
        return `memory:${target.groupId}`;
    }
  }

  asGranted<T extends Target>(target: T, resource: string): T | undefined {
    if (this.unreachable.has(resource) || !resource.startsWith('memory:')) return undefined;
    const field =
      target.kind === 'aws-iam-group' ? 'group' : target.kind === 'aws-iam-policy' ? 'policyArn' : 'groupId';
    return { ...target, [field]: resource.slice('memory:'.length) };
  }

  describe(target: Target): string {
    return `memory group for ${target.id}`;
  }

  location(): string {
    return 'memory';
  }

  describePrincipal(_target: Target, principal: string): string {
    return `memory user ${principal}`;
  }

  async resolvePrincipal(_target: Target, person: { userId: string; email?: string }) {
    this.run('resolvePrincipal', person.userId);
    return { ok: true as const, principal: person.userId.toLowerCase() };
  }

  async isMember(_target: Target, principal: string, _context: CallContext): Promise<boolean> {
    this.run('isMember', principal);
    return this.members.has(principal) || this.staleMembers.has(principal);
  }

  async grant(target: Target, principal: string): Promise<GrantResult> {
    this.grantedTo.push(this.resourceOf(target).slice('memory:'.length));
    this.members.add(principal);
    this.run('grant', principal);
    return 'added';
  }

  async revoke(target: Target, principal: string): Promise<RevokeResult> {
    this.run('revoke', principal);
    this.revokedFrom.push(this.resourceOf(target).slice('memory:'.length));
    return this.members.delete(principal) ? 'removed' : 'already-gone';
  }

  private run(method: string, subject: string): void {
    this.calls.push(`${method}:${subject}`);
    const next = this.scripts.get(method)?.shift();
    next?.(subject);
  }
}

export const timeout = () =>
  new ProviderError('aws_timeout', 'AWS did not answer in time', { kind: 'timeout' });
export const accessDenied = () =>
  new ProviderError('aws_access_denied', 'AWS refused: not allowed to iam:AddUserToGroup', {
    kind: 'denied',
  });
