import { DEFAULT_INHERITED_ENV_VARS } from '@modelcontextprotocol/sdk/client/stdio.js';
import { gitSafetyEnvironment } from '@ironcurtain/git-guard';

/**
 * What every stdio server starts with, before its entry's `env`: the system's program folders, and a home in the
 * sandbox's private `/tmp` (nothing of the gateway user's home, which the sandbox hides anyway, and no cache that
 * outlives the server).
 */
export const baseServerEnvironment: Readonly<Record<string, string>> = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/tmp',
};

/**
 * A stdio server's whole environment: the base, its entry's `env`, its credentials, and — for a server that runs
 * git — git's safety environment (`@ironcurtain/git-guard`: no system or global config, every program hook off,
 * discovery stopped above the session sandbox) and no commit signing. IronCurtain's own settings come last: no
 * entry can switch them off (an entry's own `GIT_CONFIG_*` pairs are kept, read before IronCurtain's).
 */
export function serverEnvironment(
  entryEnvironment: Readonly<Record<string, string>>,
  credentials: Readonly<Record<string, string>>,
  options: { runsGit: boolean; ceilingDirectories: readonly string[] },
): Record<string, string> {
  const environment = { ...baseServerEnvironment, ...entryEnvironment, ...credentials };
  if (!options.runsGit) return environment;
  return {
    ...environment,
    ...gitSafetyEnvironment({
      ceilingDirectories: options.ceilingDirectories,
      keepCommandScopeOf: entryEnvironment,
    }),
    // The git MCP server signs commits unless told otherwise, running whatever gpg.program says.
    GIT_SIGN_COMMITS: 'false',
  };
}

/**
 * The names the MCP SDK's stdio transport copies from the gateway's own environment into every server's (HOME, PATH,
 * USER, …) that the server's environment does not set itself: the sandbox unsets them, so a server sees exactly
 * {@link serverEnvironment}.
 */
export function inheritedNamesToUnset(environment: Readonly<Record<string, string>>): string[] {
  return DEFAULT_INHERITED_ENV_VARS.filter((name) => !Object.hasOwn(environment, name));
}
