export { AppError, ErrorCode, errorCodeOf, hasErrorCode } from './app-error.js';
export type { AppErrorOptions, ErrorCodeName } from './app-error.js';
export { fromWireError, toWireError } from './wire-error.js';
export type { WireError } from './wire-error.js';
