import type pg from 'pg';
import type { Catalog } from '../config/catalog.js';
import type { GroupMembers } from '../domain/approval-rules.js';

/** What the request workflows need; the composition root supplies the real ones. */
export interface RequestWorkflowDeps {
  readonly pool: pg.Pool;
  readonly catalog: Catalog;
  readonly members: GroupMembers;
  readonly newRequestId: () => string;
  /** Called after a commit that enqueued work, so this process starts it at once. */
  readonly onWork?: () => void;
}
