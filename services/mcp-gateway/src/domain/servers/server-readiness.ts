import { isContainerEntry, type McpServerEntry } from '@ironcurtain/mcp-config';
import { checkEngine, type DockerEngine } from '@ironcurtain/docker-engine';
import { notStartedReason } from './unavailable-server.js';

/**
 * What keeps configured servers from starting, checked once when the gateway starts so an operator reads it in the
 * log before any session asks: a required credential that is not set, or a Docker engine that does not answer for
 * a container server. One reason per server; servers that can start are not listed.
 */
export async function reportServerReadiness(
  servers: ReadonlyMap<string, McpServerEntry>,
  credentials: Readonly<Record<string, Readonly<Record<string, string>>>>,
  docker: DockerEngine,
): Promise<Array<{ serverName: string; reason: string }>> {
  const checks = [...servers].map(async ([serverName, entry]) => {
    const reason =
      notStartedReason(serverName, entry, credentials[serverName] ?? {}) ??
      (isContainerEntry(entry) ? await checkEngine(docker, `MCP server "${serverName}"`) : undefined);
    return reason === undefined ? [] : [{ serverName, reason }];
  });
  return (await Promise.all(checks)).flat();
}
