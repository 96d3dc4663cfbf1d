export { ContainerSettings } from './container-settings.js';
export {
  ContainerServerEntry,
  isContainerEntry,
  McpConfig,
  McpServerEntry,
  readMcpConfig,
  serverDomainsOf,
  StdioServerEntry,
} from './mcp-config.js';
export { declaredDomainsOf, describeServerNetwork } from './server-network.js';
