import { createDockerEngine } from '@ironcurtain/docker-engine';
import {
  isSignalConfigured,
  localSignalApiUrl,
  signalApiUrlVariable,
  type ResolvedUserConfig,
} from '@ironcurtain/user-config';
import { maskPhoneNumber } from './phone-number.js';
import { configuredSignalApiUrl, provideSignalApi } from './signal-api-location.js';
import { signalContainerName } from './signal-container.js';

/** What `ironcurtain up` knows for Signal: config.json and who runs it. */
export interface SignalStackOptions {
  readonly config: ResolvedUserConfig;
  readonly userIds: { uid: number; gid: number } | undefined;
}

/**
 * The signal-bridge's share of what `up` decides, before the services start. Signal not configured (no
 * `signal.botNumber`): nothing. SIGNAL_API_URL in the environment: nothing either, as the variable reaches the
 * bridge with its other SIGNAL_* settings. Otherwise the container is made to run and the bridge is told its
 * loopback URL. The rest of the stack does not depend on Signal: a container that cannot run (no Docker, the image
 * not pulled) is reported and the stack starts anyway, the bridge waiting for the API to answer.
 */
export async function signalBridgeStackSettings(
  options: SignalStackOptions,
  home: string,
  env: Record<string, string | undefined>,
  report: (line: string) => void,
): Promise<Record<string, string>> {
  if (!isSignalConfigured(options.config)) return {};
  const bot = maskPhoneNumber(options.config.signal?.botNumber ?? '');
  try {
    const fromEnvironment = configuredSignalApiUrl(env);
    if (fromEnvironment !== undefined) {
      report(`Signal (bot ${bot}): signal-cli-rest-api at ${fromEnvironment} (${signalApiUrlVariable})`);
      return {};
    }
    const location = await provideSignalApi({
      env,
      home,
      config: options.config,
      engine: createDockerEngine(env['DOCKER_HOST']),
      userIds: options.userIds,
    });
    report(`Signal (bot ${bot}): container ${signalContainerName} ${location.container} at ${location.url}`);
    return { [signalApiUrlVariable]: location.url };
  } catch (error) {
    report(
      `Signal (bot ${bot}): cannot run signal-cli-rest-api: ${(error as Error).message}. ` +
        'The stack starts without it; the signal-bridge waits for the API',
    );
    return { [signalApiUrlVariable]: localSignalApiUrl(options.config) };
  }
}
