/**
 * jitbot's own names for how a provider call failed, whatever the vendor. Each adapter maps its
 * vendor's codes to one of these (and keeps its own code on the error for the audit log); the
 * workflows decide on the kind's flags alone, so a new provider cannot change what they do by
 * inventing a code they have not heard of.
 */
interface ProviderErrorKindRule {
  /**
   * Whether trying again can succeed. `with-cause`: the kind says nothing about it, so the error
   * carries the retryability of the failure underneath (see `unconfirmed`).
   */
  readonly retryable: boolean | 'with-cause';
  /**
   * Whether a failed call certainly changed nothing. Only a final refusal counts: for any other
   * failure the change may have been applied, so cleanup removes whatever may be there (the
   * safe direction), and a failed add is never recorded as "nothing added".
   */
  readonly definite: boolean;
}

export const PROVIDER_ERROR_KINDS = {
  /** The provider asked jitbot to slow down (throttling, HTTP 429). */
  throttled: { retryable: true, definite: false },
  /** No answer in time: the call may have been applied all the same. */
  timeout: { retryable: true, definite: false },
  /** The network failed on the way (reset, refused, DNS). */
  unreachable: { retryable: true, definite: false },
  /** The provider had a temporary fault of its own (HTTP 5xx, a concurrent change to retry). */
  unavailable: { retryable: true, definite: false },
  /** jitbot's session with the provider expired in flight: the next call starts a fresh one. */
  'session-expired': { retryable: true, definite: false },
  /** The provider refused jitbot: its role, trust policy, token or permissions do not allow this. */
  denied: { retryable: false, definite: true },
  /** What the call names (a user, a group, a schedule) does not exist. */
  'not-found': { retryable: false, definite: true },
  /** A quota or size limit of the provider was reached. */
  limit: { retryable: false, definite: true },
  /** The provider rejected the request as malformed or invalid (usually a catalog mistake). */
  invalid: { retryable: false, definite: true },
  /** The call conflicts with something that exists or another change. */
  conflict: { retryable: false, definite: false },
  /** jitbot's own identity is missing, or was not accepted before anything was asked of it. */
  credentials: { retryable: false, definite: false },
  /**
   * Something is known to exist (a backstop schedule) but could not be checked or changed: it
   * must never read as "nothing was made", whatever the failure underneath, whose retryability
   * it keeps.
   */
  unconfirmed: { retryable: 'with-cause', definite: false },
  /** Nothing jitbot recognises. */
  unknown: { retryable: false, definite: false },
} as const satisfies Record<string, ProviderErrorKindRule>;

export type ProviderErrorKind = keyof typeof PROVIDER_ERROR_KINDS;

/** The kinds whose retryability is their own, not the failure's underneath. */
export type FixedRetryKind = {
  [K in ProviderErrorKind]: (typeof PROVIDER_ERROR_KINDS)[K]['retryable'] extends boolean ? K : never;
}[ProviderErrorKind];
