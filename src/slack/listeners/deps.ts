import type { Logger } from '../../log/logger.js';
import type { RequestWorkflowDeps } from '../../workflow/deps.js';
import type { ReconcileDeps } from '../../workflow/reconcile.js';
import type { TargetSummaries } from '../request-views.js';
import type { UserGroupDirectory } from '../user-groups.js';
import type { ViewOpener } from '../view-opener.js';

export interface ListenerDeps {
  readonly workflows: RequestWorkflowDeps;
  readonly directory: UserGroupDirectory;
  readonly logger: Logger;
  /** Each target in words, for the form and the replies. */
  readonly targets: TargetSummaries;
  /** Opens modals within the trigger window; WebClient is for everything else. */
  readonly views: ViewOpener;
  /** Drift's use cases (Remove on a drift alert); absent where drift is off. */
  readonly drift?: ReconcileDeps;
}
