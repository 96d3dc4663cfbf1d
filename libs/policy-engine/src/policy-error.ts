import { AppError } from '@ironcurtain/errors';

/** Error codes this library raises, besides the shared ones in `@ironcurtain/errors`. */
export const PolicyErrorCode = {
  /** A policy artifact is missing, is not JSON, or does not match its format. */
  PolicyInvalid: 'POLICY_INVALID',
  /** A tool call's arguments cannot be canonicalized (maps to the decision rule `invalid-arguments`). */
  InvalidArguments: 'INVALID_ARGUMENTS',
} as const;

/** An AppError with code `POLICY_INVALID`; the message names the file and what to fix. */
export function policyInvalidError(message: string, cause?: unknown): AppError {
  return new AppError(PolicyErrorCode.PolicyInvalid, message, cause === undefined ? {} : { cause });
}
