/**
 * How the SDK retries a revocation's calls (the clients of a shared revocation session). Access
 * must end within seconds of its expiry, so a run of throttles is ridden out inside the call, in
 * short steps (never over 200 ms) and more of them than other calls get, rather than handed to
 * jitbot's durable retry, whose round trip (the backstop kept, a backoff, a second claim) costs
 * seconds.
 *
 * The SDK's standard strategy also keeps a retry quota per client (500 tokens, 5 per throttled
 * retry) that a burst of revocations sharing one session's client drains in moments: a hundred
 * removals throttled at once would leave the next throttle unretried, however few its own tries.
 * This one has none; each call is bounded by its attempts alone, and the calls of a revocation are
 * few and bounded by the grants that expire.
 */

/** The SDK's classes of a failure (RetryErrorType in the SDK's types). */
type ErrorType = 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';

interface Token {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** Tries of one call: nine throttles in a row are a 1 in 2 million chance at 20% throttling. */
export const REVOCATION_MAX_ATTEMPTS = 9;

function token(count: number, delayMs: number): Token {
  return { getRetryCount: () => count, getRetryDelay: () => delayMs };
}

/** A RetryStrategyV2: the SDK's retry middleware sleeps each token's delay, then sends again. */
export class RevocationRetryStrategy {
  readonly mode = 'standard';

  constructor(
    private readonly maxAttempts = REVOCATION_MAX_ATTEMPTS,
    private readonly random: () => number = Math.random,
  ) {}

  async acquireInitialRetryToken(_scope: string): Promise<Token> {
    return token(0, 0);
  }

  /** Throttles and transient faults (a reset connection, a 5xx the SDK calls transient) only; jittered. */
  async refreshRetryTokenForRetry(
    previous: Token,
    errorInfo: { readonly errorType: ErrorType },
  ): Promise<Token> {
    const retry = previous.getRetryCount() + 1;
    const retryable = errorInfo.errorType === 'THROTTLING' || errorInfo.errorType === 'TRANSIENT';
    if (!retryable || retry >= this.maxAttempts) throw new Error('No retry token available');
    return token(retry, Math.round(Math.min(200, 25 * 2 ** retry) * (0.5 + this.random() / 2)));
  }

  recordSuccess(_token: Token): void {}
}
