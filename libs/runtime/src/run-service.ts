import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectBus, serviceOf, type Bus } from '@ironcurtain/bus';
import { baseServiceEnv, loadEnv, type BaseServiceEnv } from '@ironcurtain/config';
import { createLogger, type Logger } from '@ironcurtain/log';

/** What every service's `service.ts` returns. */
export interface RunningService {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What a service declares so {@link runMain} can bring it up. */
export interface ServiceDefinition<Config extends BaseServiceEnv> {
  name: string;
  description: string;
  /** `import.meta.url` of the entry file; the version comes from the package.json beside `dist/`. */
  entryUrl: string;
  loadConfig(env: Record<string, string | undefined>): Config;
  createService(dependencies: { bus: Bus; config: Config; logger: Logger }): RunningService;
}

/** The parts of `process` that {@link runMain} uses; passed in so the lib reads no globals. */
export interface ProcessLike {
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream;
  exitCode?: number | string | null | undefined;
  once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

/**
 * Loads config, connects NATS, starts the service, and stops it (drain, then close) on SIGTERM or SIGINT. Under a
 * supervisor (`IRONCURTAIN_SUPERVISED=1`) it also stops when its stdin closes, so a killed supervisor leaves no
 * orphans behind. Resolves with a `stop` for tests and callers that manage the lifetime themselves.
 */
export async function runMain<Config extends BaseServiceEnv>(
  definition: ServiceDefinition<Config>,
  host: ProcessLike,
): Promise<{ stop: () => Promise<void> }> {
  const config = definition.loadConfig(host.env);
  const version = readPackageVersion(definition.entryUrl);
  const logger = createLogger({ service: definition.name, version, level: config.LOG_LEVEL });
  const bus = await connectBus({
    url: config.NATS_URL,
    name: definition.name,
    version,
    description: definition.description,
    credentialsFile: config.NATS_CREDS,
    nkeySeedFile: config.NATS_NKEY_SEED_FILE,
    user: config.NATS_USER,
    password: config.NATS_PASSWORD,
    keyValueReplicas: config.NATS_KV_REPLICAS,
    spansDirectory: config.IRONCURTAIN_BUS_SPANS_DIR,
    logger,
  });
  const service = definition.createService({ bus, config, logger });
  await service.start();
  logger.info({ nats: bus.connection.getServer() }, 'started');

  const isSupervised = host.env['IRONCURTAIN_SUPERVISED'] === '1';
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('stopping');
      await service.stop();
      await bus.drain();
      // A supervisor's open stdin pipe would keep the event loop, and so the process, alive after a SIGTERM.
      if (isSupervised) host.stdin.pause();
      logger.info('stopped');
    })();
    return stopping;
  };
  const stopAndExit = (): void => {
    stop().then(
      () => (host.exitCode = 0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        host.exitCode = 1;
      },
    );
  };
  host.once('SIGTERM', stopAndExit);
  host.once('SIGINT', stopAndExit);
  if (isSupervised) {
    host.stdin.on('end', stopAndExit);
    host.stdin.resume();
  }
  return { stop };
}

/** Loads the base service environment (NATS_URL, NATS_CREDS, LOG_LEVEL, …) for services with no settings of their own. */
export function loadBaseConfig(env: Record<string, string | undefined>): BaseServiceEnv {
  return loadEnv(baseServiceEnv, env);
}

/** The `version` of the package.json one folder above the entry file's folder (`dist/..`). */
export function readPackageVersion(entryUrl: string): string {
  const manifestPath = join(dirname(fileURLToPath(entryUrl)), '..', 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}

/**
 * A service that only registers for `$SRV` discovery and stops cleanly: what a service is before its endpoints
 * arrive. No one answers its subjects, so callers on security paths deny.
 */
export function createDiscoveryOnlyService(bus: Bus): RunningService {
  return {
    async start() {
      await serviceOf(bus);
    },
    async stop() {
      await (await serviceOf(bus)).stop();
    },
  };
}
