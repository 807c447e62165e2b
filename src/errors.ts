/**
 * The closed set of errors jitbot raises on purpose. Each carries a stable `code` and a message
 * written for the person who has to fix it (operator, requester or approver). Anything else that
 * is thrown is a bug and is reported as one.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'catalog_invalid'
  | 'migration_failed'
  | 'migration_edited'
  | 'embedded_database_failed'
  | 'embedded_database_locked'
  | 'database_unreachable';

export class JitbotError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JitbotError';
    this.code = code;
  }
}

/** An error the operator caused and can fix: printed as plain words, never with a stack trace. */
export class UserFacingError extends JitbotError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'UserFacingError';
  }
}

export function isUserFacingError(error: unknown): error is UserFacingError {
  return error instanceof UserFacingError;
}

/**
 * The one way jitbot puts an unknown thrown value into words: short and safe to log or show
 * (no stack, no object dump). A refused connection to a dual-stack host is an Error with an
 * empty message but a `code` (ECONNREFUSED), so that is said instead of nothing.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = field(error, 'code');
  return error.message || (typeof code === 'string' && code) || error.name;
}

/**
 * One property of a value whose shape is not known (something thrown by an SDK, a parsed
 * document), or undefined when it is not an object: read without trusting the shape.
 */
export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
