export { inspectRepository } from './inspect-repository.js';
export type { InspectOptions, RepositoryVerdict } from './inspect-repository.js';
export { gitSafetyEnvironment } from './safety-environment.js';
export type { SafetyEnvironmentOptions } from './safety-environment.js';
export { allowedKeys } from './config-allow-list.js';
