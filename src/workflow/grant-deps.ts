import type pg from 'pg';
import type { GroupMembers } from '../domain/approval-rules.js';
import type { Catalog } from '../domain/catalog.js';
import type { ProviderRegistry } from '../ports/access-provider.js';
import type { OnWork } from './due-work.js';

/** What the grant and revoke workflows need; the composition root supplies the real ones. */
export interface GrantWorkflowDeps {
  readonly pool: pg.Pool;
  readonly catalog: Catalog;
  readonly providers: ProviderRegistry;
  readonly members: GroupMembers;
  readonly newGrantId: () => string;
  /** Called after a commit that wrote due work, naming what, so this process starts it at once. */
  readonly onWork?: OnWork;
  readonly random?: () => number;
}
