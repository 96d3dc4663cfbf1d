import type { McpServerEntry } from './mcp-config.js';

/** The domains an entry declares (`sandbox.network.allowedDomains`); empty when it declares none. */
export function declaredDomainsOf(entry: McpServerEntry): string[] {
  const network = entry.sandbox === false ? undefined : entry.sandbox?.network;
  return network === undefined || network === false ? [] : [...network.allowedDomains];
}

/**
 * How a server reaches the network, in words for the catalog and `ironcurtain doctor`. A sandboxed stdio server has
 * none of its own: its only way out is the gateway's domain filter, for the domains it declares. `isSandboxed`
 * false (the entry opted out, or bubblewrap cannot run under the `warn` policy) means the host's whole network.
 */
export function describeServerNetwork(entry: McpServerEntry, isSandboxed = true): string {
  const domains = declaredDomainsOf(entry);
  if (entry.container !== undefined) {
    const network = entry.container.network;
    return network === 'none'
      ? 'none (container without a network)'
      : `Docker network "${network}", not filtered by domain (declares ${domains.join(', ')})`;
  }
  if (entry.sandbox === false || !isSandboxed) return "the host's whole network (not sandboxed)";
  if (domains.length === 0) return 'none';
  return `only through the domain filter: ${domains.join(', ')}`;
}
