import { serviceOf, type Bus } from '@ironcurtain/bus';
import type { Logger } from '@ironcurtain/log';
import type { RunningService } from '@ironcurtain/runtime';
import type { Config } from './config.js';

/** Wires the signal-bridge: registers it for `$SRV` discovery. Its endpoints arrive with their issues. */
export function createSignalBridgeService(dependencies: {
  bus: Bus;
  config: Config;
  logger: Logger;
}): RunningService {
  const { bus } = dependencies;
  return {
    async start() {
      await serviceOf(bus);
    },
    async stop() {
      await (await serviceOf(bus)).stop();
    },
  };
}
