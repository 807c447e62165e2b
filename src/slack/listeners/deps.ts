import type { Logger } from '../../log/logger.js';
import type { RequestWorkflowDeps } from '../../workflow/deps.js';
import type { UserGroupDirectory } from '../user-groups.js';

export interface ListenerDeps {
  readonly workflows: RequestWorkflowDeps;
  readonly directory: UserGroupDirectory;
  readonly logger: Logger;
}
