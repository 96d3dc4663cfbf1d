export { childForMessage, createLogger, redactedPaths, silentLogger } from './logger.js';
export type { CreateLoggerOptions, Logger, MessageLogFields } from './logger.js';
