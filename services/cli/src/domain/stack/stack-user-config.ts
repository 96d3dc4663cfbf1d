import { errorCodeOf } from '@ironcurtain/errors';
import { loadUserConfig, type LoadedUserConfig } from '@ironcurtain/user-config';
import type { TextOutput } from '../../cli-context.js';

/** The exit code of a command refused because config.json is invalid (as for other usage errors). */
export const invalidUserConfigExitCode = 2;

/**
 * Reads `IRONCURTAIN_HOME/config.json` once for a command that starts or uses the stack (`up`, `start`, `demo`):
 * each warning is printed once to `stderr` as `ironcurtain: warning: …`. An invalid file is printed as one error
 * naming every bad key, and the result is undefined: the command then exits with {@link invalidUserConfigExitCode}
 * before it starts anything. Other failures are thrown as they are.
 */
export async function readUserConfigForCommand(
  home: string,
  stderr: TextOutput,
): Promise<LoadedUserConfig | undefined> {
  try {
    const loaded = await loadUserConfig(home);
    for (const warning of loaded.warnings) stderr.write(`ironcurtain: warning: ${warning}\n`);
    return loaded;
  } catch (error) {
    if (errorCodeOf(error) !== 'CONFIG_INVALID') throw error;
    stderr.write(`ironcurtain: ${(error as Error).message}\n`);
    return undefined;
  }
}
