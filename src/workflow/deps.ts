import type pg from 'pg';
import type { GroupMembers } from '../domain/approval-rules.js';
import type { Catalog } from '../domain/catalog.js';
import type { ProviderRegistry } from '../ports/access-provider.js';
import type { RequestStores } from '../ports/request-stores.js';
import type { OnWork } from './due-work.js';

/** What the request workflows need; the composition root supplies the real ones. */
export interface RequestWorkflowDeps {
  /** Where requests, approvals, the audit log and the job outbox are kept. */
  readonly stores: RequestStores;
  /**
   * For "revoke now", a grant use case the same listeners call: grant use cases talk to db/
   * directly, since their row locks and claims are the point.
   */
  readonly pool: pg.Pool;
  readonly catalog: Catalog;
  readonly members: GroupMembers;
  readonly newRequestId: () => string;
  /**
   * For what a target grants, as its provider names it (`resourceOf`): access already held is
   * found by this, so two targets naming the same group count as one access.
   */
  readonly providers: ProviderRegistry;
  /** Called after a commit that wrote due work, naming what, so this process starts it at once. */
  readonly onWork?: OnWork;
}
