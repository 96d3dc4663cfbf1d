import { AppError, ErrorCode, errorCodeOf } from './app-error.js';

/** An error as it travels on the bus: data, never a stack. */
export interface WireError {
  code: string;
  message: string;
  retryable: boolean;
}

/**
 * Turns any thrown value into a wire error. Only AppErrors keep their message: anything else may hold internals
 * (paths, stack fragments, secrets from a library's message), so it becomes a bare `INTERNAL`.
 */
export function toWireError(error: unknown): WireError {
  if (error instanceof AppError || isAppErrorLike(error)) {
    const appError = error as AppError;
    return { code: appError.code, message: appError.message, retryable: appError.retryable };
  }
  return { code: ErrorCode.Internal, message: 'internal error', retryable: false };
}

/** Turns a wire error received from a peer back into an AppError. */
export function fromWireError(wire: WireError): AppError {
  return new AppError(wire.code, wire.message, { retryable: wire.retryable });
}

function isAppErrorLike(error: unknown): boolean {
  return error instanceof Error && error.name === 'AppError' && errorCodeOf(error) !== undefined;
}
