import { isContainerEntry, readMcpConfig, serverDomainsOf, type McpConfig } from '@ironcurtain/mcp-config';
import { probeSandbox, type SandboxProbe } from '@ironcurtain/os-sandbox';
import type { FindExecutable } from './command-runner.js';
import { ok, problem, warning, type CheckResult } from './doctor-result.js';
import { shippedMcpConfig } from './policy-locations.js';

/**
 * One line per configured MCP server: whether the gateway will run it inside bubblewrap, and with what network.
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
  const domains = serverDomainsOf(config);
  return Object.entries(config).map(([name, entry]) =>
    isContainerEntry(entry)
      ? containerLine(name, entry.container.network, domains[name], entry.credentials)
      : serverLine(name, entry.sandbox === false, domains[name], probe),
  );
}

// A container server is confined by Docker, not bubblewrap; the `docker` check says whether the engine answers.
function containerLine(
  name: string,
  network: string,
  allowedDomains: readonly string[] | undefined,
  credentials: readonly string[],
): CheckResult {
  const reach =
    network === 'none' ? 'no network' : `network ${network} for ${(allowedDomains ?? []).join(', ')}`;
  const needs =
    credentials.length === 0
      ? ''
      : `; starts only when ${credentials.join(', ')} is set in serverCredentials`;
  return ok(`server:${name}`, `MCP server ${name}: container (docker), ${reach}${needs}`);
}

function serverLine(
  name: string,
  isOptedOut: boolean,
  allowedDomains: readonly string[] | undefined,
  probe: SandboxProbe,
): CheckResult {
  const check = `server:${name}`;
  if (isOptedOut) {
    return warning(
      check,
      `MCP server ${name} is configured to run unsandboxed ("sandbox": false)`,
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
  const network =
    allowedDomains === undefined || allowedDomains.length === 0
      ? 'no network'
      : `network for ${allowedDomains.join(', ')}`;
  return ok(check, `MCP server ${name}: sandboxed with bubblewrap (${network})`);
}
