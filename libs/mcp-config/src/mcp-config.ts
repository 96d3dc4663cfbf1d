import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { ContainerSettings } from './container-settings.js';
import { declaredDomainsOf } from './server-network.js';

const FilesystemSandbox = z.object({
  allowWrite: z.array(z.string()).default([]),
  allowRead: z.array(z.string()).default([]),
  denyRead: z.array(z.string()).default([]),
  denyWrite: z.array(z.string()).default([]),
});

const SandboxSettings = z
  .union([
    z.literal(false),
    z.object({
      filesystem: FilesystemSandbox.optional(),
      network: z.union([z.literal(false), z.object({ allowedDomains: z.array(z.string()) })]).optional(),
    }),
  ])
  .optional();

const exclusive = 'an entry has either command (a process) or container (an image), not both';

const entryBase = {
  description: z.string().optional(),
  /**
   * Environment variables the server cannot work without, given as server credentials (`serverCredentials` of the
   * user config): while one is missing the server is not started, and the reason names the variable.
   */
  credentials: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
  sandbox: SandboxSettings,
};

/** A server the gateway starts as a process and talks to over stdio, in the OS sandbox (`false` = unsandboxed). */
export const StdioServerEntry = z.object({
  ...entryBase,
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).optional(),
  container: z.never(exclusive).optional(),
});

/**
 * A server that runs in a Docker container (see {@link ContainerSettings}). Its `sandbox` may only declare
 * `network.allowedDomains`, and must when the container joins a network: no host path is ever shared with it.
 */
export const ContainerServerEntry = z
  .object({ ...entryBase, container: ContainerSettings, command: z.never(exclusive).optional() })
  .superRefine((entry, context) => {
    const sandbox = entry.sandbox;
    if (sandbox === false || sandbox?.filesystem !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['sandbox'],
        message:
          'a container server shares no host files and cannot run unsandboxed: its sandbox may only hold network',
      });
    }
    const domains = sandbox === false ? undefined : sandbox?.network;
    if (entry.container.network !== 'none' && (domains === undefined || domains === false)) {
      context.addIssue({
        code: 'custom',
        path: ['sandbox', 'network', 'allowedDomains'],
        message: `container network "${entry.container.network}" needs the hosts the server talks to in sandbox.network.allowedDomains`,
      });
    }
  });

/** One server's entry: a stdio process (`command`) or a Docker container (`container`), never both. */
export const McpServerEntry = z.union([ContainerServerEntry, StdioServerEntry]);

/** A parsed server entry. */
export type McpServerEntry = z.output<typeof McpServerEntry>;

/** A parsed container server entry. */
export type ContainerServerEntry = z.output<typeof ContainerServerEntry>;

/** A parsed stdio server entry. */
export type StdioServerEntry = z.output<typeof StdioServerEntry>;

/** Whether an entry runs in a container. */
export function isContainerEntry(entry: McpServerEntry): entry is ContainerServerEntry {
  return entry.container !== undefined;
}

/** The MCP server configuration: servers by name. */
export const McpConfig = z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i), McpServerEntry);

/** A parsed MCP server configuration. */
export type McpConfig = z.output<typeof McpConfig>;

/** Reads and validates an MCP server config; errors name the file and the JSON path. */
export async function readMcpConfig(path: string): Promise<McpConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const problem =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not valid JSON';
    throw new AppError(ErrorCode.ConfigInvalid, `MCP server config ${path} ${problem}`, { cause: error });
  }
  const parsed = McpConfig.safeParse(raw);
  if (!parsed.success) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `MCP server config ${path}: ${describeIssue(parsed.error, raw)}`,
      {
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}

/** Per server, the domains it declares (`sandbox.network.allowedDomains`): the policy's domain gate. */
export function serverDomainsOf(config: McpConfig): Record<string, string[]> {
  const domains: Record<string, string[]> = {};
  for (const [name, server] of Object.entries(config)) {
    const network = server.sandbox === false ? undefined : server.sandbox?.network;
    if (network !== undefined && network !== false) domains[name] = declaredDomainsOf(server);
  }
  return domains;
}

// An entry that fits neither kind is reported against the kind it was meant to be: `container` if it has one.
function describeIssue(error: z.ZodError, raw: unknown): string {
  let issue = error.issues[0];
  let prefix: PropertyKey[] = [];
  if (issue?.code === 'invalid_union' && issue.path.length === 1) {
    const entry = (raw as Record<string, unknown>)[String(issue.path[0])];
    const isContainer = typeof entry === 'object' && entry !== null && 'container' in entry;
    prefix = issue.path;
    issue = issue.errors[isContainer ? 0 : 1]?.[0] ?? issue;
  }
  if (issue === undefined) return 'invalid';
  return `${[...prefix, ...issue.path].map(String).join('.')}: ${issue.message}`;
}
