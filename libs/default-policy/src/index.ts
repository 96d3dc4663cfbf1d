import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the folder holding the shipped policy artifacts: `compiled-policy.json`, `tool-annotations.json`,
 * `dynamic-lists.json`, `test-scenarios.json`, `mcp-servers.json` and the two constitution files. Computed from this
 * module's own location (`src/` and `dist/` both sit beside `policy/`), so it holds wherever the package is installed.
 */
export const defaultPolicyDir: string = fileURLToPath(new URL('../policy', import.meta.url));

/**
 * The constitution the default policy was compiled from. `constitutionHash` in the artifacts is the sha256 of
 * `base`, a newline, then `user`, in that order.
 */
export const defaultConstitutionFiles: Readonly<{ base: string; user: string }> = Object.freeze({
  base: join(defaultPolicyDir, 'constitution.md'),
  user: join(defaultPolicyDir, 'constitution-user.md'),
});

/** The MCP server config IronCurtain ships (`mcp-servers.json`): the servers, their sandboxes and declared domains. */
export const shippedMcpConfigPath: string = join(defaultPolicyDir, 'mcp-servers.json');
