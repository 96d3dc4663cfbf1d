import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { Service } from '@nats-io/services';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { defaultCallerOf, inboxPrefixOf, type Caller } from '@ironcurtain/proto-schemas';
import { silentLogger, type Logger } from '@ironcurtain/log';
import { natsLoginOf } from './nats-login.js';
import { recordSpansTo } from './spans.js';

// The reply inbox naming lives with the access declaration in proto-schemas, which grants each principal its own
// inbox (`natsPermissionsOf`); connecting and granting must agree, so there is one definition.
export { inboxPrefixOf };

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
  /**
   * A file holding a user nkey seed (`SU…`, what `ironcurtain deploy init` writes): read once, refused when its group
   * or others may read it. At most one of `credentialsFile`, `nkeySeedFile` and `user` may be given.
   */
  nkeySeedFile?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  logger?: Logger;
  /** Give up connecting after this long (default 5000 ms); once connected, reconnects forever. */
  connectTimeoutMs?: number;
  /**
   * How many JetStream servers keep each KV bucket that `openKeyValue` creates on this connection (default 1;
   * 3 on a 3-node cluster): `NATS_KV_REPLICAS`.
   */
  keyValueReplicas?: number;
  /**
   * Latency work: note this process's bus spans and write them to this directory when it exits (`spans.ts`;
   * `IRONCURTAIN_BUS_SPANS_DIR` through `runMain`). Unset: nothing is noted.
   */
  spansDirectory?: string | undefined;
  /**
   * Who this connection asks person-addressed endpoints as (`session.*`, `escalation.resolve|list`, `audit.query|
   * verify`): a person's name and role from their credentials. Default: the CLI's and the Signal bridge's own
   * admin identity by connection name, else the workstation's admin `cli` (a test's or script's connection). Only
   * the NATS permissions make it true: a person's login may publish those subjects with their own suffix only.
   */
  caller?: Caller;
}

/** A connection to the bus with the identity of the service that owns it. */
export interface Bus {
  readonly connection: NatsConnection;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly logger: Logger;
  /** The replicas of the KV buckets `openKeyValue` creates (unless it is given others); 1 when unset. */
  readonly keyValueReplicas?: number;
  /** Who this connection asks person-addressed endpoints as ({@link ConnectBusOptions.caller}). */
  readonly caller: Caller;
  /** The `@nats-io/services` registration that `serve` adds endpoints to; made on first use. */
  serviceRegistration?: Promise<Service>;
  /** Stops taking new messages, finishes those in flight, flushes, closes. */
  drain(): Promise<void>;
  /** Closes at once. */
  close(): Promise<void>;
}

/**
 * Connects to NATS. A bad URL or unreachable server is an `UNAVAILABLE` error that names the URL; a login the
 * server refuses is `CONFIG_INVALID` and says which login was used (never the secret) and how to fix it.
 */
export async function connectBus(options: ConnectBusOptions): Promise<Bus> {
  const logger = options.logger ?? silentLogger();
  const login = await natsLoginOf(options);
  if (options.spansDirectory !== undefined) recordSpansTo(options.spansDirectory);
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
      ...login.connectOptions,
    });
  } catch (error) {
    if (isAuthorizationError(error)) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `cannot connect to NATS at ${options.url} as "${options.name}": the server refused ` +
          `${login.description} (${(error as Error).message}); ${login.hint}`,
        { cause: error, retryable: false },
      );
    }
    throw new AppError(
      ErrorCode.Unavailable,
      `cannot connect to NATS at ${options.url} as "${options.name}": ${(error as Error).message}. ` +
        'Check NATS_URL and that nats-server is running (`ironcurtain up` starts one; ' +
        'for the compose stack, `docker compose up -d`).',
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
    keyValueReplicas: options.keyValueReplicas ?? 1,
    caller: options.caller ?? defaultCallerOf(options.name) ?? { name: 'cli', role: 'admin' },
    drain: () => (connection.isClosed() ? Promise.resolve() : connection.drain()),
    close: () => connection.close(),
  };
}

function isAuthorizationError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 3; depth += 1) {
    if (current.name === 'AuthorizationError' || /authorization violation/i.test(current.message))
      return true;
    current = current.cause;
  }
  return false;
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
