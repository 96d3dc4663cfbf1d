import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { McpServerEntry } from '@ironcurtain/mcp-config';
import type { ManagedServer } from './managed-server.js';

/**
 * Why a configured server is not started at all, or undefined when it can be: a credential its entry requires
 * (`credentials`) is not configured. The reason names the variable and where to set it.
 */
export function notStartedReason(
  serverName: string,
  entry: McpServerEntry,
  credentials: Readonly<Record<string, string>>,
): string | undefined {
  const missing = entry.credentials.filter((name) => (credentials[name] ?? '') === '');
  if (missing.length === 0) return undefined;
  const names = missing.join(', ');
  const example = JSON.stringify({ [serverName]: Object.fromEntries(missing.map((name) => [name, '…'])) });
  return (
    `MCP server "${serverName}" is not started: ${missing.length === 1 ? 'its credential' : 'its credentials'} ` +
    `${names} ${missing.length === 1 ? 'is' : 'are'} not set. Set it with \`ironcurtain config set ` +
    `serverCredentials.${serverName}.${missing[0]} …\` (or MCPGW_SERVER_CREDENTIALS=${example} for the gateway), ` +
    'then restart the stack (`ironcurtain up`; compose: `ironcurtain deploy init --settings-only`, ' +
    '`docker compose up -d`)'
  );
}

/**
 * A configured server that is not started (see {@link notStartedReason}): listed `down` with no tools, and every
 * use fails with UNAVAILABLE and the reason. Not retryable: nothing changes until the operator sets the credential.
 */
export function createUnavailableServer(serverName: string, reason: string): ManagedServer {
  const refuse = () => Promise.reject(new AppError(ErrorCode.Unavailable, reason, { retryable: false }));
  return {
    serverName,
    status: 'down',
    pid: undefined,
    notStartedReason: reason,
    tools: refuse,
    isSandboxed: () => false,
    callTool: refuse,
    stop: () => Promise.resolve(),
  };
}
