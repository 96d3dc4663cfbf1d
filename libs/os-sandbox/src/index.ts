export { planSandbox, privateWorkingDirectory } from './plan-sandbox.js';
export type {
  BubblewrapPlan,
  McpSandboxConfig,
  OptedOutPlan,
  SandboxContext,
  SandboxPlan,
} from './plan-sandbox.js';
export type { SandboxMount, SandboxMountKind, SandboxMountOrigin } from './sandbox-mount.js';
export { expandSandboxPath } from './sandbox-paths.js';
export type { PathPlaceholders } from './sandbox-paths.js';
export { probeSandbox } from './probe-sandbox.js';
export type { ProbeOptions, SandboxProbe } from './probe-sandbox.js';
export { wrapCommand } from './wrap-command.js';
export type { SandboxPolicy, WrapOptions, WrappedCommand } from './wrap-command.js';
export { networkBridgeScriptPath } from './network-filter.js';
export type { NetworkProxyOptions, SandboxNetwork } from './network-filter.js';
export { protectedHomeEntries, protectedSystemPaths } from './system-view.js';
