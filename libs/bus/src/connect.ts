import { readFile } from 'node:fs/promises';
import { credsAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { Service } from '@nats-io/services';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { silentLogger, type Logger } from '@ironcurtain/log';

/** Options for {@link connectBus}. */
export interface ConnectBusOptions {
  /** One URL or a comma-separated list. */
  url: string;
  /** The service (or client) name: connection name, `$SRV` name and queue group. */
  name: string;
  version?: string;
  description?: string;
  /** A NATS `.creds` file (JWT + nkey seed) for decentralized auth. */
  credentialsFile?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  logger?: Logger;
  /** Give up connecting after this long (default 5000 ms); once connected, reconnects forever. */
  connectTimeoutMs?: number;
}

/**
 * The reply subjects of a connection named `name`: `_INBOX.<name>`, so a user's NATS permissions can let it
 * receive its own replies (`_INBOX.<name>.>`) without seeing everyone else's.
 */
export function inboxPrefixOf(name: string): string {
  return `_INBOX.${name.replace(/[^A-Za-z0-9_-]/g, '_') || 'client'}`;
}

/** A connection to the bus with the identity of the service that owns it. */
export interface Bus {
  readonly connection: NatsConnection;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly logger: Logger;
  /** The `@nats-io/services` registration that `serve` adds endpoints to; made on first use. */
  serviceRegistration?: Promise<Service>;
  /** Stops taking new messages, finishes those in flight, flushes, closes. */
  drain(): Promise<void>;
  /** Closes at once. */
  close(): Promise<void>;
}

/** Connects to NATS. A bad URL or unreachable server is an `UNAVAILABLE` error that names the URL. */
export async function connectBus(options: ConnectBusOptions): Promise<Bus> {
  const logger = options.logger ?? silentLogger();
  const authenticator =
    options.credentialsFile === undefined
      ? undefined
      : credsAuthenticator(await readCredentials(options.credentialsFile));
  let connection: NatsConnection;
  try {
    connection = await connect({
      servers: options.url.split(',').map((server) => server.trim()),
      name: options.name,
      timeout: options.connectTimeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // nats.js otherwise captures a stack trace for every request: a fifth of a busy PDP's CPU. Our errors are
      // classified into AppErrors with the subject anyway.
      noAsyncTraces: true,
      inboxPrefix: inboxPrefixOf(options.name),
      ...(authenticator === undefined ? {} : { authenticator }),
      ...(options.user === undefined ? {} : { user: options.user, pass: options.password ?? '' }),
    });
  } catch (error) {
    throw new AppError(
      ErrorCode.Unavailable,
      `cannot connect to NATS at ${options.url} as "${options.name}": ${(error as Error).message}. ` +
        'Check NATS_URL and that nats-server is running (`ironcurtain up` starts one).',
      { cause: error, retryable: true },
    );
  }
  watchStatus(connection, logger);
  return {
    connection,
    name: options.name,
    version: options.version ?? '0.0.0',
    description: options.description ?? options.name,
    logger,
    drain: () => (connection.isClosed() ? Promise.resolve() : connection.drain()),
    close: () => connection.close(),
  };
}

async function readCredentials(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new AppError(ErrorCode.ConfigInvalid, `cannot read NATS credentials file ${file} (NATS_CREDS)`, {
      cause: error,
    });
  }
}

function watchStatus(connection: NatsConnection, logger: Logger): void {
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') {
        logger.warn({ natsStatus: status.type }, `nats ${status.type}`);
      }
    }
  })();
}
