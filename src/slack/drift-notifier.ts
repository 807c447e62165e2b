import type { WebClient } from '@slack/web-api';
import { readDriftAlert, recordDriftAlertPosted } from '../db/drift-repository.js';
import type { Queryable } from '../db/pool.js';
import type { Catalog } from '../domain/catalog.js';
import { driftAlertMessage } from './blocks/drift-alert.js';

export interface DriftNotifierDeps {
  readonly db: Queryable;
  readonly client: WebClient;
  readonly catalog: Catalog;
}

/** Drift alerts in the admin channel: posted once per alert, then updated in place. */
export function createDriftNotifier(deps: DriftNotifierDeps) {
  async function driftAlert(alertId: number): Promise<void> {
    const alert = await readDriftAlert(deps.db, alertId);
    if (!alert) return;
    const message = driftAlertMessage(
      alert.findings.map((finding) => ({
        key: finding.key,
        kind: finding.kind,
        words: finding.words,
        resolution: finding.resolution,
      })),
    );
    if (alert.channel && alert.ts) {
      await deps.client.chat.update({ channel: alert.channel, ts: alert.ts, ...message });
      return;
    }
    const posted = await deps.client.chat.postMessage({
      channel: deps.catalog.settings.adminChannel,
      ...message,
    });
    if (posted.channel && posted.ts)
      await recordDriftAlertPosted(deps.db, alertId, posted.channel, posted.ts);
  }
  return { driftAlert };
}
