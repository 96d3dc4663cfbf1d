export {
  dockerAgents,
  escalationTimeoutRange,
  qualifyModelId,
  unusedOriginalKeys,
  userConfigDefaults,
  userConfigSchema,
  webSearchProviders,
} from './user-config-schema.js';
export type { UserConfigFile } from './user-config-schema.js';
export { resolveUserConfig } from './resolve-user-config.js';
export type { BudgetLimit, ResolvedUserConfig } from './resolve-user-config.js';
export { loadUserConfig, userConfigPath, validateUserConfig, writeUserConfig } from './user-config-file.js';
export type { LoadedUserConfig } from './user-config-file.js';
export {
  configValueAt,
  displayConfigValue,
  parseKeyPath,
  parseValueText,
  withConfigValue,
  withoutConfigValue,
} from './config-keys.js';
export { isSecretKeyPath, knownKeysAt, leafKeyPaths, maskSecret, unknownKeysOf } from './config-shape.js';
export {
  cliSettingsOf,
  isSignalConfigured,
  localSignalApiUrl,
  secretVariablesByService,
  serviceSettingsOf,
  signalApiUrlVariable,
  signalContainerDefaults,
  signalContainerOf,
} from './service-settings.js';
export type { CliSettings, ServiceSettings } from './service-settings.js';
