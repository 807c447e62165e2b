import type { Notifications } from '../jobs/job-handlers.js';

export interface HomeRefresh {
  /** Marks the Homes that show this request out of date. */
  request(requestId: string): Promise<void>;
  /** Marks the admins' Homes out of date. */
  admins(): Promise<void>;
}

/**
 * The notifications, each of which then marks the App Homes that show what it is about out of
 * date. They run as durable jobs from the transaction that made the change (the outbox), so a
 * change that reaches anyone's messages reaches their Home too, and a failure retries both
 * (a message already sent is not sent again). Messages go first: they are what people wait on.
 */
export function refreshingHomes(notify: Notifications, refresh: HomeRefresh): Notifications {
  const about =
    <T>(requestOf: (payload: T) => string, send: (payload: T) => Promise<void>) =>
    async (payload: T) => {
      await send(payload);
      await refresh.request(requestOf(payload));
    };
  const same = (requestId: string) => requestId;
  return {
    requestSubmitted: about(same, notify.requestSubmitted),
    requestChanged: about(same, notify.requestChanged),
    remindApprovers: notify.remindApprovers,
    announceBreakglass: about(same, notify.announceBreakglass),
    grantNotice: about((notice) => notice.requestId, notify.grantNotice),
    alertAdmins: about((alert) => alert.requestId, notify.alertAdmins),
    driftAlert: async (alertId) => {
      await notify.driftAlert(alertId);
      await refresh.admins();
    },
    auditCheckpoint: notify.auditCheckpoint,
  };
}
