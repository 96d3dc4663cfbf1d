import {
  describeServerNetwork,
  isContainerEntry,
  readMcpConfig,
  type McpConfig,
  type McpServerEntry,
} from '@ironcurtain/mcp-config';
import { probeSandbox, type SandboxProbe } from '@ironcurtain/os-sandbox';
import type { FindExecutable } from './command-runner.js';
import { ok, problem, warning, type CheckResult } from './doctor-result.js';
import { shippedMcpConfig } from '../policy/policy-locations.js';

/**
 * One line per configured MCP server: whether the gateway will run it inside bubblewrap, and how it reaches the
 * network (`describeServerNetwork`: none, or only through the gateway's domain filter for its declared domains).
 * The config is IRONCURTAIN_MCP_CONFIG, else the shipped one. bwrap is found on PATH and really run once, since an
 * installed bwrap can still be unusable (user namespaces off).
 */
export async function checkServerSandboxes(
  env: Record<string, string | undefined>,
  findExecutable: FindExecutable,
): Promise<CheckResult[]> {
  const configPath = env['IRONCURTAIN_MCP_CONFIG'] ?? (await shippedMcpConfig());
  if (configPath === undefined) return [];
  let config: McpConfig;
  try {
    config = await readMcpConfig(configPath);
  } catch (error) {
    return [
      problem('mcp-servers', (error as Error).message, `fix ${configPath} (or unset IRONCURTAIN_MCP_CONFIG)`),
    ];
  }
  const bwrapPath = await findExecutable('bwrap');
  const probe: SandboxProbe =
    bwrapPath === undefined
      ? { isAvailable: false, bwrapPath: 'bwrap', hasUserNamespace: false, reason: 'bwrap is not on PATH' }
      : await probeSandbox({ bwrapPath });
  return Object.entries(config).map(([name, entry]) =>
    isContainerEntry(entry) ? containerLine(name, entry) : serverLine(name, entry, probe),
  );
}

// A container server is confined by Docker, not bubblewrap; the `docker` check says whether the engine answers.
function containerLine(name: string, entry: McpServerEntry): CheckResult {
  const needs =
    entry.credentials.length === 0
      ? ''
      : `; starts only when ${entry.credentials.join(', ')} is set in serverCredentials`;
  return ok(
    `server:${name}`,
    `MCP server ${name}: container (docker), network: ${describeServerNetwork(entry)}${needs}`,
  );
}

function serverLine(name: string, entry: McpServerEntry, probe: SandboxProbe): CheckResult {
  const check = `server:${name}`;
  if (entry.sandbox === false) {
    return warning(
      check,
      `MCP server ${name} is configured to run unsandboxed ("sandbox": false), with the host's whole network`,
      `remove "sandbox": false from its entry, or list it in MCPGW_ALLOW_UNSANDBOXED if you mean it`,
    );
  }
  if (!probe.isAvailable) {
    return warning(
      check,
      `MCP server ${name} cannot be sandboxed here: ${probe.reason ?? 'bubblewrap does not work'}`,
      'install bubblewrap (apt-get install bubblewrap) and allow unprivileged user namespaces; until then the ' +
        'gateway refuses to start it (MCPGW_SANDBOX_POLICY=enforce)',
    );
  }
  return ok(check, `MCP server ${name}: sandboxed with bubblewrap, network: ${describeServerNetwork(entry)}`);
}
