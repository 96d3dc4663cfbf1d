import { createDiscoveryOnlyService, type RunningService } from '@ironcurtain/runtime';
import type { Bus } from '@ironcurtain/bus';
import type { Logger } from '@ironcurtain/log';
import { signalSettingsOf, type Config } from './config.js';
import { startSignalBridge, type SignalBridge } from './signal-bridge.js';

/**
 * Wires the signal-bridge. Without Signal settings (SIGNAL_API_URL, SIGNAL_BOT_NUMBER and the pinned person) it
 * only answers `$SRV.PING` and says in its log what is missing; with them it is the Signal channel
 * ({@link startSignalBridge}).
 */
export function createSignalBridgeService(dependencies: {
  bus: Bus;
  config: Config;
  logger: Logger;
}): RunningService {
  const { bus, config, logger } = dependencies;
  const settings = signalSettingsOf(config);
  const discovery = createDiscoveryOnlyService(bus);
  if (!settings.isConfigured) {
    return {
      async start() {
        logger.info(
          { missing: settings.missing },
          'Signal is not configured (run ironcurtain setup-signal): the bridge only answers $SRV.PING',
        );
        await discovery.start();
      },
      stop: () => discovery.stop(),
    };
  }
  let bridge: SignalBridge | undefined;
  return {
    async start() {
      await discovery.start();
      bridge = await startSignalBridge({ bus, settings, logger });
    },
    async stop() {
      await bridge?.stop();
      await discovery.stop();
    },
  };
}
