import type { WebClient } from '@slack/web-api';
import { approvesAny } from '../domain/approval-rules.js';
import type { RequestWorkflowDeps } from '../workflow/deps.js';
import { type HomeFacts, readHome } from '../workflow/read-home.js';
import { type HomeInput, homeView } from './blocks/home-view.js';
import { requestView, type TargetSummaries } from './request-views.js';

export interface HomePublisherDeps {
  readonly workflows: Pick<RequestWorkflowDeps, 'pool' | 'stores' | 'catalog' | 'members'>;
  readonly targets: TargetSummaries;
  readonly client: WebClient;
}

export interface HomePublisher {
  /** Reads what `userId`'s Home shows now and publishes it (views.publish). */
  publish(userId: string): Promise<void>;
}

export function createHomePublisher(deps: HomePublisherDeps): HomePublisher {
  const { workflows, targets } = deps;
  const asView = (facts: HomeFacts['pending'][number]) => requestView(targets, facts);

  async function inputFor(facts: HomeFacts): Promise<HomeInput> {
    const approver = await approvesAny(
      facts.userId,
      workflows.catalog.targets.map((target) => target.approvers),
      workflows.members,
    );
    const { admin } = facts;
    return {
      live: facts.live,
      pending: facts.pending.map(asView),
      ended: facts.ended.map(asView),
      waiting: facts.waiting.map(asView),
      waitingTotal: facts.waitingTotal,
      approver,
      ...(admin ? { admin: { ...admin, unreviewed: admin.unreviewed.map(asView) } } : {}),
      target: (id) => targets.byId(id),
      approvalTimeoutSeconds: workflows.catalog.settings.approvalTimeoutSeconds,
    };
  }

  return {
    async publish(userId) {
      const view = homeView(await inputFor(await readHome(workflows, userId)));
      await deps.client.views.publish({ user_id: userId, view });
    },
  };
}
