import { runGit } from './run-git.js';
import { gitSafetyEnvironment } from './safety-environment.js';

/** How {@link listSubmodulePaths} runs git. */
export interface SubmoduleListingOptions {
  gitPath: string;
  timeoutMs: number;
  ceilingDirectories: readonly string[];
}

/** ls-files prints every tracked path; this bounds a very large index. */
const maxListingBytes = 256 << 20;

/**
 * The gitlinks (submodule entries, mode 160000) of a repository's index, relative to its work tree. Git recurses
 * into every populated one on status, diff and checkout, running a git there that reads that repository's own
 * config, so each must be inspected too. Runs `git ls-files --stage -z` with explicit --git-dir and --work-tree and
 * the safety environment; the repository was inspected before, and ls-files only reads the index.
 */
export async function listSubmodulePaths(
  gitDirectory: string,
  workTree: string,
  options: SubmoduleListingOptions,
): Promise<{ kind: 'paths'; paths: string[] } | { kind: 'problem'; problem: string }> {
  const result = await runGit({
    gitPath: options.gitPath,
    arguments: [`--git-dir=${gitDirectory}`, `--work-tree=${workTree}`, 'ls-files', '--stage', '-z'],
    environment: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LC_ALL: 'C',
      HOME: '/nonexistent',
      ...gitSafetyEnvironment({ ceilingDirectories: options.ceilingDirectories }),
    },
    workingDirectory: '/',
    timeoutMs: options.timeoutMs,
    maxOutputBytes: maxListingBytes,
  });
  if (result.failure !== undefined)
    return { kind: 'problem', problem: `listing the index of ${workTree}: ${result.failure}` };
  if (result.exitCode !== 0) {
    return { kind: 'problem', problem: `git cannot read the index of ${workTree} (${result.stderr.trim()})` };
  }
  const paths = result.stdout
    .toString('utf8')
    .split('\0')
    .filter((record) => record.startsWith('160000 '))
    .map((record) => record.slice(record.indexOf('\t') + 1));
  return { kind: 'paths', paths: [...new Set(paths)] };
}
