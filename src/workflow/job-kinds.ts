/** The durable jobs the workflows enqueue; handlers are registered under these names. */
export const JOB_KINDS = {
  /** Post the approval messages and the requester's receipt for a new request. */
  requestSubmitted: 'slack.request-submitted',
  /** A request changed (an approval, a decision, expiry, cancel): update every message about it. */
  requestChanged: 'slack.request-changed',
  /** Tell the admin channel loudly about a breakglass grant. */
  breakglassNotice: 'slack.breakglass-notice',
  /** Apply an approved request's access through its provider. */
  grantApply: 'grant.apply',
} as const;
