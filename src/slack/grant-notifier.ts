import { findGrant } from '../db/grants-repository.js';
import type { Queryable } from '../db/pool.js';
import { listRequestsOfGrant } from '../db/requests-repository.js';
import { listMessages } from '../db/slack-messages-repository.js';
import type { Catalog } from '../domain/catalog.js';
import type { AdminAlertPayload, GrantNoticePayload } from '../workflow/job-kinds.js';
import type { RequestFactsStores } from '../workflow/request-facts.js';
import { accessNotice, adminAlert, expiryWarning, revokedNotice } from './blocks/grant-messages.js';
import type { GrantSummary, RequestView } from './blocks/types.js';
import type { MessageSender } from './message-delivery.js';
import { loadRequestView, summarizeGrant, type TargetSummaries } from './request-views.js';

export interface GrantNotifierDeps {
  readonly db: Queryable;
  /** Where what a message shows about a request is read. */
  readonly stores: RequestFactsStores;
  readonly catalog: Catalog;
  readonly targets: TargetSummaries;
  readonly sender: MessageSender;
}

/** The messages about a grant: to its holder (granted, expiring, revoked) and alerts to the admins. */
export function createGrantNotifier(deps: GrantNotifierDeps) {
  async function view(requestId: string): Promise<RequestView> {
    const loaded = await loadRequestView(deps.stores, deps.targets, requestId);
    if (!loaded) throw new Error(`request ${requestId} not found`);
    return loaded;
  }

  async function grantOf(grantId: string): Promise<GrantSummary> {
    const grant = await findGrant(deps.db, grantId);
    if (!grant) throw new Error(`grant ${grantId} not found`);
    return summarizeGrant(grant);
  }

  /** After the end, the warning and access messages lose their buttons and say it ended. */
  async function updateEnded(grant: GrantSummary, read: RequestView): Promise<void> {
    for (const requestId of await listRequestsOfGrant(deps.db, grant.id)) {
      const about = requestId === read.request.id ? read : await view(requestId);
      for (const posted of await listMessages(deps.db, requestId, ['warning', 'access'])) {
        const body =
          posted.purpose === 'warning' ? expiryWarning(about, grant) : accessNotice(about, grant, 'granted');
        await deps.sender.update(posted, body);
      }
    }
  }

  async function grantNotice(payload: GrantNoticePayload): Promise<void> {
    const { requestId, grantId, notice } = payload;
    const about = await view(requestId);
    // The request's view carries its grant, which is almost always the one the notice is about.
    const grant = about.grant?.id === grantId ? about.grant : await grantOf(grantId);
    const recipient = about.request.requesterId;
    if (notice === 'warning') {
      await deps.sender.post({
        requestId,
        purpose: 'warning',
        recipient,
        message: expiryWarning(about, grant),
      });
    } else if (notice === 'revoked') {
      await deps.sender.post({
        requestId,
        purpose: 'revoked',
        recipient,
        message: revokedNotice(about, grant),
      });
      await updateEnded(grant, about);
    } else {
      await deps.sender.post({
        requestId,
        purpose: 'access',
        recipient,
        message: accessNotice(about, grant, notice),
      });
    }
  }

  async function alertAdmins(payload: AdminAlertPayload): Promise<void> {
    const about = await view(payload.requestId);
    await deps.sender.post({
      requestId: payload.requestId,
      purpose: 'alert',
      recipient: deps.catalog.settings.adminChannel,
      slot: `${payload.alert}:${payload.grantId ?? ''}`,
      message: adminAlert(about, payload.alert, payload.error),
    });
  }

  return { grantNotice, alertAdmins };
}
