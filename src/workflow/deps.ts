import type pg from 'pg';
import type { GroupMembers } from '../domain/approval-rules.js';
import type { Catalog } from '../domain/catalog.js';
import type { ProviderRegistry } from '../ports/access-provider.js';

/** What the request workflows need; the composition root supplies the real ones. */
export interface RequestWorkflowDeps {
  readonly pool: pg.Pool;
  readonly catalog: Catalog;
  readonly members: GroupMembers;
  readonly newRequestId: () => string;
  /**
   * For what a target grants, as its provider names it (`resourceOf`): access already held is
   * found by this, so two targets naming the same group count as one access.
   */
  readonly providers: ProviderRegistry;
  /** Called after a commit that enqueued work, so this process starts it at once. */
  readonly onWork?: () => void;
}
