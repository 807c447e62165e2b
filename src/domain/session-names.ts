/**
 * The names of jitbot's sessions in the target accounts. CloudTrail shows the session name on
 * every call, so each change in AWS leads back to a jitbot request, or, for revocations, to a
 * batch the audit log lists the grants of.
 */

/** `jitbot-REQ-…`: the session one request's calls sign in. */
export function sessionNameFor(requestId: string): string {
  return `jitbot-${requestId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/**
 * `jitbot-revoke-<batch id>`: the session one replica's revocations in one account share for a few
 * minutes (one AssumeRole for the batch). Each call's audit row names it, with its grant.
 */
export function revocationSessionName(batchId: string): string {
  return sessionNameFor(`revoke-${batchId}`);
}
