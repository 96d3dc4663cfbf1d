import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/** The environment variable that points the lib at another agents folder (a copy, a test's temporary one). */
export const agentsDirectoryVariable = 'IRONCURTAIN_AGENTS_DIR';

/** The folder of the image every agent image starts from. */
export const baseFolder = 'base';

/** What every function of this lib may be told about where the agent image folders are. */
export interface AgentImageOptions {
  /** The folder holding `base/` and one folder per agent; {@link agentsDirectory}() when absent. */
  agentsDirectory?: string;
}

// src/ and dist/ both sit two levels below the repository's libs/: the repository root is three levels up.
const repositoryAgentsDirectory = resolve(import.meta.dirname, '..', '..', '..', 'deploy', 'agents');

/**
 * The folder of the agent image Dockerfiles: `IRONCURTAIN_AGENTS_DIR` of the given environment when set, else the
 * repository's `deploy/agents` (found from this lib's own location). Libraries read no `process.env`: the caller
 * passes its environment (`agentsDirectory(process.env)`); without one, the repository's folder.
 */
export function agentsDirectory(environment: Readonly<Record<string, string | undefined>> = {}): string {
  const override = environment[agentsDirectoryVariable];
  return override === undefined || override.trim() === '' ? repositoryAgentsDirectory : resolve(override);
}

/** Every agent folder (each with a Dockerfile) under the agents folder, sorted; `base` is not an agent. */
export async function listAgentImageFolders(options: AgentImageOptions = {}): Promise<string[]> {
  const directory = options.agentsDirectory ?? agentsDirectory();
  const entries = await readdir(directory, { withFileTypes: true }).catch((error: unknown) => {
    throw missingDirectoryError(directory, error);
  });
  const folders: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === baseFolder || !isValidFolderName(entry.name)) continue;
    if (await isFile(join(directory, entry.name, 'Dockerfile'))) folders.push(entry.name);
  }
  return folders.sort();
}

/** The path of one image folder, refusing names Docker cannot use in a tag (or that would leave the folder). */
export function imageFolderPath(folder: string, options: AgentImageOptions = {}): string {
  if (!isValidFolderName(folder)) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `"${folder}" is not an agent image folder name: use lower-case letters, digits, ".", "_" and "-" ` +
        '(it becomes part of the image tag ironcurtain/agent-<folder>)',
    );
  }
  return join(options.agentsDirectory ?? agentsDirectory(), folder);
}

// Docker repository path components: lower case, separators only between alphanumerics.
function isValidFolderName(name: string): boolean {
  return /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
}

function missingDirectoryError(directory: string, error: unknown): AppError {
  return new AppError(
    ErrorCode.NotFound,
    `the agent images folder ${directory} cannot be read (${(error as NodeJS.ErrnoException).code ?? error}): ` +
      `point ${agentsDirectoryVariable} at a folder holding base/Dockerfile and one folder per agent`,
    { cause: error },
  );
}
