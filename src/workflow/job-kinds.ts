/** The durable jobs the workflows enqueue; handlers are registered under these names. */
export const JOB_KINDS = {
  /** Post the approval messages and the requester's receipt for a new request. */
  requestSubmitted: 'slack.request-submitted',
  /** A request changed (an approval, a decision, expiry, cancel): update every message about it. */
  requestChanged: 'slack.request-changed',
  /** Remind the approvers who have not decided yet, in the thread of their approval message. */
  approvalReminder: 'slack.approval-reminder',
  /** Tell the admin channel loudly about a breakglass grant. */
  breakglassNotice: 'slack.breakglass-notice',
  /**
   * Find the requester's principal (IAM user, Okta user) before anyone is asked to approve,
   * then post the approval messages (or, for breakglass and auto-approval, grant at once).
   */
  requestPrepare: 'request.prepare',
  /** Apply an approved request's access through its provider. */
  grantApply: 'grant.apply',
  /** Tell the requester about their access: granted, extended, expiring soon, revoked. */
  grantNotice: 'slack.grant-notice',
  /** Tell the admin channel something needs a person: a grant failed, a revocation keeps failing. */
  adminAlert: 'slack.admin-alert',
} as const;
