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

/** A short description of an unknown thrown value, safe to log (no stack, no object dump). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
