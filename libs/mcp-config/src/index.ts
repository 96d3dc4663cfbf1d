export { McpConfig, McpServerEntry, readMcpConfig, serverDomainsOf } from './mcp-config.js';
