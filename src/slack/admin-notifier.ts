import type { WebClient } from '@slack/web-api';
import { readDriftAlert, recordDriftAlertPosted } from '../db/drift-repository.js';
import { persistently } from '../db/persistently.js';
import type { Queryable } from '../db/pool.js';
import type { Catalog } from '../domain/catalog.js';
import type { AuditCheckpointPayload } from '../workflow/job-kinds.js';
import { driftAlertMessage } from './blocks/drift-alert.js';
import { readableTime } from './mrkdwn.js';

export interface AdminNotifierDeps {
  readonly db: Queryable;
  readonly client: WebClient;
  readonly catalog: Catalog;
}

/** The admin channel's notices that are about no request: drift alerts (updated in place) and audit checkpoints. */
export function createAdminNotifier(deps: AdminNotifierDeps) {
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
    // Posted: a passing database hiccup must not make the retried job post a second alert.
    const { channel, ts } = posted;
    if (channel && ts) await persistently(() => recordDriftAlertPosted(deps.db, alertId, channel, ts));
  }
  /** The chain head, posted once a day: a copy of it outside the database, for `jitbot audit verify --checkpoint`. */
  async function auditCheckpoint(checkpoint: AuditCheckpointPayload): Promise<void> {
    const text =
      `:lock: Audit log checkpoint: seq ${checkpoint.seq}, hash \`${checkpoint.hash}\`, chained ${readableTime(new Date(checkpoint.chainedAt))}. ` +
      `Keep it: \`jitbot audit verify --checkpoint ${checkpoint.seq}:${checkpoint.hash}\` shows the log still holds it.`;
    await deps.client.chat.postMessage({ channel: deps.catalog.settings.adminChannel, text });
  }

  return { driftAlert, auditCheckpoint };
}
