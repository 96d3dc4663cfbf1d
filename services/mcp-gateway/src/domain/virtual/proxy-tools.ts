import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorCodeOf, ErrorCode } from '@ironcurtain/errors';
import type { LiveTool } from '../servers/managed-server.js';
import { normalizeProxyDomain } from './proxy-domain-name.js';
import type { ArgumentNormalization, VirtualServer } from './virtual-server.js';

/** The name the `proxy` tools are listed and annotated under. */
export const proxyServerName = 'proxy';

/** A change to a session's hosts, and the session's hosts after it (`egress.session-hosts.v1`). */
export type UpdateSessionHosts = (change: {
  sessionId: string;
  add: string[];
  remove: string[];
}) => Promise<{ hosts: string[] }>;

const domainSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 253,
  description: 'A host name such as docs.python.org: no scheme, port, path, wildcard or IP address.',
};

/** The tools, with the input schemas the default policy's annotations copy (`tool-annotations.json`, `proxy`). */
export const proxyTools: readonly LiveTool[] = [
  {
    name: 'add_proxy_domain',
    description:
      'Ask to reach a new web host (HTTPS, port 443) through the proxy for the rest of this session; a person approves each one.',
    inputSchema: {
      type: 'object',
      properties: {
        domain: domainSchema,
        justification: {
          type: 'string',
          minLength: 1,
          maxLength: 1000,
          description: 'Why the task needs this host; shown to the person who approves it.',
        },
      },
      required: ['domain', 'justification'],
      additionalProperties: false,
    },
  },
  {
    name: 'remove_proxy_domain',
    description: 'Stop reaching a host that was added for this session.',
    inputSchema: {
      type: 'object',
      properties: { domain: domainSchema },
      required: ['domain'],
      additionalProperties: false,
    },
  },
  {
    name: 'list_proxy_domains',
    description:
      'List the hosts added for this session (model providers are always reachable and not listed).',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  },
];

/**
 * The `proxy` virtual server: the agent asks for web hosts through the policy (adding escalates, listing and
 * removing are allowed), and once a call carries a signed decision the change goes to the egress service for the
 * call's session.
 */
export function createProxyServer(updateSessionHosts: UpdateSessionHosts): VirtualServer {
  return {
    name: proxyServerName,
    description: 'Web hosts this session may reach through the egress proxy.',
    tools: proxyTools,
    normalizeArguments: normalizeProxyArguments,
    async callTool(sessionId, toolName, args) {
      const domain = typeof args.domain === 'string' ? args.domain : undefined;
      const change =
        toolName === 'add_proxy_domain' && domain !== undefined
          ? { add: [domain], remove: [] }
          : toolName === 'remove_proxy_domain' && domain !== undefined
            ? { add: [], remove: [domain] }
            : toolName === 'list_proxy_domains'
              ? { add: [], remove: [] }
              : undefined;
      if (change === undefined)
        return toolError(`the proxy server has no tool "${toolName}" for these arguments`);
      try {
        const { hosts } = await updateSessionHosts({ sessionId, ...change });
        return { content: [{ type: 'text', text: describe(toolName, domain, hosts) }], isError: false };
      } catch (error) {
        // The egress service's answer about the host is the agent's to read; an egress that cannot answer is a
        // gateway failure, and the caller sees its code.
        const code = errorCodeOf(error);
        if (code === ErrorCode.PolicyDenied || code === ErrorCode.SchemaInvalid) {
          return toolError((error as Error).message);
        }
        throw error;
      }
    },
  };
}

/** `domain` in canonical form (lower case, punycode, no trailing dot), or the reason it is refused. */
export function normalizeProxyArguments(
  _toolName: string,
  args: Record<string, unknown>,
): ArgumentNormalization {
  if (typeof args.domain !== 'string') return { ok: true, arguments: args };
  const domain = normalizeProxyDomain(args.domain);
  return domain.ok ? { ok: true, arguments: { ...args, domain: domain.domain } } : domain;
}

function describe(toolName: string, domain: string | undefined, hosts: readonly string[]): string {
  const listed =
    hosts.length === 0
      ? 'No hosts are added for this session.'
      : `Hosts this session may reach (HTTPS, port 443): ${hosts.join(', ')}.`;
  if (toolName === 'add_proxy_domain') return `Added ${domain}. ${listed}`;
  if (toolName === 'remove_proxy_domain') return `Removed ${domain}. ${listed}`;
  return listed;
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
