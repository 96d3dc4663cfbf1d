import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino masks in every log line. Anything that can hold a credential is listed by name, at the top level and
 * one or two levels down, so a stray `{ config: { apiKey } }` still comes out masked.
 */
export const redactedPaths: readonly string[] = [
  'password',
  'token',
  'apiKey',
  'authorization',
  'secret',
  'credentials',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.secret',
  '*.credentials',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.*.password',
  '*.*.token',
  '*.*.apiKey',
  '*.*.secret',
];

/** Options for {@link createLogger}. The caller reads the environment; a lib never does. */
export interface CreateLoggerOptions {
  service: string;
  version: string;
  level?: string;
  /** Where lines go; stdout when omitted. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/** The root logger of a service: JSON lines with `service` and `version` on every line, secrets redacted. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const loggerOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service, version: options.version },
    redact: { paths: [...redactedPaths], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination === undefined ? pino(loggerOptions) : pino(loggerOptions, options.destination);
}

/** Correlation fields a message carries; every log line about that message has them. */
export interface MessageLogFields {
  requestId?: string | undefined;
  sessionId?: string | undefined;
  subject: string;
}

/** A child logger for one handled message. */
export function childForMessage(logger: Logger, fields: MessageLogFields): Logger {
  const bindings: Record<string, string> = { subject: fields.subject };
  if (fields.requestId !== undefined) bindings['requestId'] = fields.requestId;
  if (fields.sessionId !== undefined) bindings['sessionId'] = fields.sessionId;
  return logger.child(bindings);
}

/** A logger that drops everything: for libraries' default and quiet tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
