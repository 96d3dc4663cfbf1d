import { fileURLToPath } from 'node:url';
import { shippedMcpConfigPath } from '@ironcurtain/default-policy';
import { readMcpConfig, type McpConfig } from '@ironcurtain/mcp-config';

/** `mcp-servers/fetch/bin/fetch-server.js` of this repository (src/domain and dist/domain sit at the same depth). */
export const defaultFetchServerPath: string = fileURLToPath(
  new URL('../../../../mcp-servers/fetch/bin/fetch-server.js', import.meta.url),
);

/** Reads the MCP server config: the given file, else the shipped one. */
export async function loadMcpConfig(path: string | undefined): Promise<{ config: McpConfig; path: string }> {
  const chosen = path ?? shippedMcpConfigPath;
  return { config: await readMcpConfig(chosen), path: chosen };
}
