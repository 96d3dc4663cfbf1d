import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { DockerEngine } from '@ironcurtain/docker-engine';
import {
  localSignalApiUrl,
  signalApiUrlVariable,
  signalContainerOf,
  type ResolvedUserConfig,
} from '@ironcurtain/user-config';
import {
  ensureSignalContainer,
  signalContainerName,
  signalDataDirectory,
  type SignalContainerOutcome,
} from './signal-container.js';

/** Where signal-cli-rest-api answers, and whether the CLI runs it. */
export interface SignalApiLocation {
  readonly url: string;
  /** What the CLI did to its container; undefined when SIGNAL_API_URL names the API (no container is managed). */
  readonly container?: SignalContainerOutcome | undefined;
}

/** What {@link provideSignalApi} needs. */
export interface SignalApiLocationOptions {
  env: Record<string, string | undefined>;
  home: string;
  config: ResolvedUserConfig;
  engine: DockerEngine;
  userIds: { uid: number; gid: number } | undefined;
}

/**
 * SIGNAL_API_URL when the environment sets it (a compose stack's, a test's fake): that URL, no container. Otherwise
 * the container the CLI runs on this machine (`ensureSignalContainer`), at 127.0.0.1 and `signal.container.port`.
 */
export async function provideSignalApi(options: SignalApiLocationOptions): Promise<SignalApiLocation> {
  const fromEnvironment = configuredSignalApiUrl(options.env);
  if (fromEnvironment !== undefined) return { url: fromEnvironment };
  const { image, port } = signalContainerOf(options.config);
  const container = await ensureSignalContainer(options.engine, {
    image,
    port,
    dataDirectory: signalDataDirectory(options.home),
    userIds: options.userIds,
  });
  return { url: localSignalApiUrl(options.config), container };
}

/** SIGNAL_API_URL of the environment, checked (an http(s) URL); undefined when it is unset or empty. */
export function configuredSignalApiUrl(env: Record<string, string | undefined>): string | undefined {
  const value = env[signalApiUrlVariable]?.trim();
  if (value === undefined || value === '') return undefined;
  const protocol = URL.canParse(value) ? new URL(value).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${signalApiUrlVariable} must be the http(s) URL of signal-cli-rest-api, e.g. http://127.0.0.1:8080`,
    );
  }
  return value.replace(/\/+$/, '');
}

/**
 * Waits until the API answers its health check (signal-cli's daemon takes a while to start in json-rpc mode). Throws
 * an UNAVAILABLE error naming the URL, and the container's log when the CLI runs it, after `timeoutMs`.
 */
export async function waitForSignalApi(
  health: () => Promise<boolean>,
  location: SignalApiLocation,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await health().catch(() => false)) return;
    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
  }
  const logs = location.container === undefined ? '' : `; see \`docker logs ${signalContainerName}\``;
  throw new AppError(
    ErrorCode.Unavailable,
    `signal-cli-rest-api at ${location.url} did not pass its health check within ${Math.round(timeoutMs / 1000)} s` +
      logs,
    { retryable: true },
  );
}
