import type { Bus } from '@ironcurtain/bus';
import type { Logger } from '@ironcurtain/log';
import { createDiscoveryOnlyService, type RunningService } from '@ironcurtain/runtime';
import type { Config } from './config.js';

/** Wires the session-orchestrator: for now it only registers for `$SRV` discovery; its endpoints arrive with their issue. */
export function createSessionOrchestratorService(dependencies: {
  bus: Bus;
  config: Config;
  logger: Logger;
}): RunningService {
  return createDiscoveryOnlyService(dependencies.bus);
}
