/**
 * Error codes used across IronCurtain. Codes are strings so they survive the wire and `catch` blocks in other
 * packages can branch on them without `instanceof` (which breaks across duplicated package copies).
 */
export const ErrorCode = {
  SchemaInvalid: 'SCHEMA_INVALID',
  Internal: 'INTERNAL',
  UpstreamTimeout: 'UPSTREAM_TIMEOUT',
  NoResponders: 'NO_RESPONDERS',
  Unavailable: 'UNAVAILABLE',
  PolicyDenied: 'POLICY_DENIED',
  BudgetExhausted: 'BUDGET_EXHAUSTED',
  ConfigInvalid: 'CONFIG_INVALID',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  /** The caller may not do this (another person's session or escalation). */
  Forbidden: 'FORBIDDEN',
  /**
   * The responder took the request (it had sent progress) and then went silent: it died or lost the bus mid-request.
   * Whatever it was doing may or may not have happened.
   */
  ResponderLost: 'RESPONDER_LOST',
} as const;

/** One of the known codes, or any other string a newer peer may send. */
export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode] | (string & {});

/** Options for {@link AppError}. */
export interface AppErrorOptions {
  /** The error that caused this one; kept locally, never sent on the wire. */
  cause?: unknown;
  /** Whether the same request may succeed if sent again. */
  retryable?: boolean;
}

/** The one local error class: a string `code`, a message written for the reader, an optional `cause`. */
export class AppError extends Error {
  readonly code: ErrorCodeName;
  readonly retryable: boolean;

  constructor(code: ErrorCodeName, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** True when `error` carries the given code (an AppError or anything shaped like one). */
export function hasErrorCode(error: unknown, code: ErrorCodeName): boolean {
  return errorCodeOf(error) === code;
}

/** The string `code` of an error-like value, or undefined. */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
