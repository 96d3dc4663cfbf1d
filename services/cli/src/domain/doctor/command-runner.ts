import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** What a finished command left behind. `exitCode` is null when it could not start or was killed (timeout). */
export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not finish normally ("timed out after 5000 ms", "spawn EACCES"). */
  failure?: string;
}

/** Runs an executable with an argument array (never a shell) and collects its output. */
export type RunCommand = (
  file: string,
  args: readonly string[],
  options?: { timeoutMs?: number },
) => Promise<CommandResult>;

/** The absolute path of an executable named `name` on the PATH, or undefined. */
export type FindExecutable = (name: string) => Promise<string | undefined>;

/** Looks executables up in the directories of `searchPath` (a PATH value), in order, like a shell would. */
export function findExecutableOn(searchPath: string | undefined): FindExecutable {
  const directories = (searchPath ?? '').split(delimiter).filter((directory) => directory !== '');
  return async (name) => {
    for (const directory of directories) {
      const candidate = join(directory, name);
      if (await isExecutableFile(candidate)) return candidate;
    }
    return undefined;
  };
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A {@link RunCommand} that runs with environment `env` and kills the command after its timeout (default 5 s). */
export function createCommandRunner(env: Record<string, string | undefined>): RunCommand {
  return (file, args, options = {}) => {
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve) => {
      execFile(file, [...args], { env, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error === null) {
          resolve({ exitCode: 0, stdout, stderr });
          return;
        }
        const failure = error.killed ? `timed out after ${timeoutMs} ms` : undefined;
        const exitCode = typeof error.code === 'number' ? error.code : null;
        resolve({
          exitCode,
          stdout,
          stderr,
          failure: failure ?? (exitCode === null ? error.message : undefined),
        });
      });
    });
  };
}
