import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError, ErrorCode } from '@ironcurtain/errors';

const FilesystemSandbox = z.object({
  allowWrite: z.array(z.string()).default([]),
  allowRead: z.array(z.string()).default([]),
  denyRead: z.array(z.string()).default([]),
  denyWrite: z.array(z.string()).default([]),
});

/** One server's entry: how to start it and the OS sandbox it runs in (`false` = unsandboxed). */
export const McpServerEntry = z.object({
  description: z.string().optional(),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).optional(),
  sandbox: z
    .union([
      z.literal(false),
      z.object({
        filesystem: FilesystemSandbox.optional(),
        network: z.union([z.literal(false), z.object({ allowedDomains: z.array(z.string()) })]).optional(),
      }),
    ])
    .optional(),
});

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
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : `${issue.path.map(String).join('.')}: ${issue.message}`;
    throw new AppError(ErrorCode.ConfigInvalid, `MCP server config ${path}: ${where}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Per server, the domains it declares (`sandbox.network.allowedDomains`): the policy's domain gate. */
export function serverDomainsOf(config: McpConfig): Record<string, string[]> {
  const domains: Record<string, string[]> = {};
  for (const [name, server] of Object.entries(config)) {
    const network = server.sandbox === false ? undefined : server.sandbox?.network;
    if (network !== undefined && network !== false) domains[name] = [...network.allowedDomains];
  }
  return domains;
}
