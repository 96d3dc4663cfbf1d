import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shippedMcpConfigPath } from '@ironcurtain/default-policy';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { readMcpConfig, type McpConfig } from '@ironcurtain/mcp-config';
import { z } from 'zod';

/** `mcp-servers/fetch/bin/fetch-server.js` of this repository (src/domain and dist/domain sit at the same depth). */
export const defaultFetchServerPath: string = fileURLToPath(
  new URL('../../../../mcp-servers/fetch/bin/fetch-server.js', import.meta.url),
);

/** Reads the MCP server config: the given file, else the shipped one. */
export async function loadMcpConfig(path: string | undefined): Promise<{ config: McpConfig; path: string }> {
  const chosen = path ?? shippedMcpConfigPath;
  return { config: await readMcpConfig(chosen), path: chosen };
}

const UserConfigCredentials = z.object({
  serverCredentials: z.record(z.string(), z.record(z.string(), z.string())).optional(),
});

/**
 * Server credentials: `serverCredentials` of `$IRONCURTAIN_HOME/config.json` (IronCurtain's user config), with the
 * gateway's own MCPGW_SERVER_CREDENTIALS on top. A missing file is no credentials; a malformed one is an error
 * that names the file (never its content).
 */
export async function loadServerCredentials(
  home: string,
  fromEnvironment: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Promise<Record<string, Record<string, string>>> {
  const file = join(home, 'config.json');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  let fromFile: Record<string, Record<string, string>> = {};
  if (text !== undefined) {
    let parsed: z.ZodSafeParseResult<z.output<typeof UserConfigCredentials>> | undefined;
    try {
      parsed = UserConfigCredentials.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !parsed.success) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `${file}: serverCredentials must be {"<server>": {"<ENV_VAR>": "<value>"}} in valid JSON`,
      );
    }
    fromFile = parsed.data.serverCredentials ?? {};
  }
  const merged: Record<string, Record<string, string>> = {};
  for (const [server, values] of [...Object.entries(fromFile), ...Object.entries(fromEnvironment)]) {
    merged[server] = { ...merged[server], ...values };
  }
  return merged;
}
