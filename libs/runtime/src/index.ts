export { createDiscoveryOnlyService, loadBaseConfig, readPackageVersion, runMain } from './run-service.js';
export type { ProcessLike, RunningService, ServiceDefinition } from './run-service.js';
