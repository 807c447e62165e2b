import type { Target } from '../../src/config/catalog.js';
import {
  type AccessProvider,
  type Backstop,
  type CallContext,
  ProviderError,
  type RevokeResult,
} from '../../src/providers/provider.js';

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
  };

  /** The next call of `method` runs `script` first (it may throw). */
  script(method: string, script: Scripted): void {
    this.scripts.set(method, [...(this.scripts.get(method) ?? []), script]);
  }

  resourceOf(target: Target): string {
    return `memory:${target.kind === 'aws-iam-group' ? target.group : target.kind === 'aws-iam-policy' ? target.policyArn : target.groupId}`;
  }

  describe(target: Target): string {
    return `memory group for ${target.id}`;
  }

  location(): string {
    return 'memory';
  }

  async resolvePrincipal(_target: Target, person: { userId: string; email?: string }) {
    this.run('resolvePrincipal', person.userId);
    return { ok: true as const, principal: person.userId.toLowerCase() };
  }

  async isMember(_target: Target, principal: string, _context: CallContext): Promise<boolean> {
    this.run('isMember', principal);
    return this.members.has(principal) || this.staleMembers.has(principal);
  }

  async grant(_target: Target, principal: string): Promise<void> {
    this.members.add(principal);
    this.run('grant', principal);
  }

  async revoke(_target: Target, principal: string): Promise<RevokeResult> {
    this.run('revoke', principal);
    return this.members.delete(principal) ? 'removed' : 'already-gone';
  }

  private run(method: string, subject: string): void {
    this.calls.push(`${method}:${subject}`);
    const next = this.scripts.get(method)?.shift();
    next?.(subject);
  }
}

export const timeout = () =>
  new ProviderError('aws_timeout', 'AWS did not answer in time', { retryable: true });
export const accessDenied = () =>
  new ProviderError('aws_access_denied', 'AWS refused: not allowed to iam:AddUserToGroup', {
    retryable: false,
  });
