import { posix } from 'node:path';
import { checkAlternates } from './alternates.js';
import { checkConfigEntry, type WorkTreeRule } from './config-allow-list.js';
import { readConfigEntries } from './config-entries.js';
import { readCommonDirectory } from './git-directory.js';
import { checkGitDirectoryTree, type WalkBudget } from './git-directory-tree.js';
import { checkInsideRoots } from './path-inside-roots.js';
import {
  checkWorktreeGitdirFile,
  findModuleGitDirectories,
  listWorktreeAdministrations,
} from './worktree-links.js';

/** What one inspection shares across every git directory it looks at. */
export interface InspectionState {
  allowedRoots: readonly string[];
  gitPath: string;
  timeoutMs: number;
  budget: WalkBudget;
  inspectedGitDirectories: Set<string>;
  problems: string[];
}

/**
 * Inspects one git directory and everything it refers to: that it, its common directory and every symlink in them
 * stay inside the allowed roots; its config files hold only allow-listed keys with acceptable values; its
 * alternates, linked worktrees and submodule git directories (inspected the same way) stay inside too. Problems
 * are appended to `state.problems`. Returns the common directory.
 */
export async function inspectGitDirectory(
  gitDirectory: string,
  workTree: WorkTreeRule,
  state: InspectionState,
): Promise<string | undefined> {
  if (state.inspectedGitDirectories.has(`${gitDirectory}\0${JSON.stringify(workTree)}`)) return undefined;
  state.inspectedGitDirectories.add(`${gitDirectory}\0${JSON.stringify(workTree)}`);
  const roots = state.allowedRoots;
  const problems = state.problems;
  const outside = await checkInsideRoots('the git directory', gitDirectory, roots);
  if (outside !== undefined) {
    problems.push(outside);
    return undefined;
  }
  const common = await readCommonDirectory(gitDirectory);
  if (common.kind === 'problem') {
    problems.push(common.problem);
    return undefined;
  }
  const commonDirectory = common.kind === 'common-directory' ? common.path : gitDirectory;
  const commonOutside = await checkInsideRoots(`${gitDirectory}/commondir`, commonDirectory, roots);
  if (commonOutside !== undefined) {
    problems.push(commonOutside);
    return undefined;
  }
  problems.push(...(await checkGitDirectoryTree(gitDirectory, roots, state.budget)));
  problems.push(...(await checkGitDirectoryTree(commonDirectory, roots, state.budget)));
  problems.push(...(await checkWorktreeGitdirFile(gitDirectory, roots)));
  problems.push(...(await checkAlternates(`${commonDirectory}/objects`, roots)));
  const baseDirectory = workTree.kind === 'exactly' ? workTree.path : gitDirectory;
  const context = { allowedRoots: roots, baseDirectory, gitDirectory, workTree };
  const configFiles = new Set([
    `${commonDirectory}/config`,
    `${gitDirectory}/config`,
    `${gitDirectory}/config.worktree`,
    `${commonDirectory}/config.worktree`,
  ]);
  for (const file of configFiles) await inspectConfigFile(file, context, state);
  await inspectWorktrees(commonDirectory, gitDirectory, state);
  await inspectModules(commonDirectory, workTree, state);
  return commonDirectory;
}

async function inspectConfigFile(
  file: string,
  context: Parameters<typeof checkConfigEntry>[2],
  state: InspectionState,
): Promise<void> {
  const read = await readConfigEntries(file, { gitPath: state.gitPath, timeoutMs: state.timeoutMs });
  if (read.kind === 'missing') return;
  if (read.kind === 'problem') {
    state.problems.push(read.problem);
    return;
  }
  for (const entry of read.entries) {
    const problem = await checkConfigEntry(entry, file, context);
    if (problem !== undefined) state.problems.push(problem);
  }
}

/** Every linked worktree of the repository: where it is recorded to live, and its own config.worktree. */
async function inspectWorktrees(
  commonDirectory: string,
  gitDirectory: string,
  state: InspectionState,
): Promise<void> {
  const roots = state.allowedRoots;
  const { directories, problems } = await listWorktreeAdministrations(commonDirectory, roots);
  state.problems.push(...problems);
  for (const directory of directories) {
    state.problems.push(...(await checkWorktreeGitdirFile(directory, roots)));
    if (directory === gitDirectory) continue;
    const workTree: WorkTreeRule = { kind: 'inside', paths: roots };
    const context = { allowedRoots: roots, baseDirectory: directory, gitDirectory: directory, workTree };
    await inspectConfigFile(`${directory}/config.worktree`, context, state);
  }
}

/** Submodule git directories: git uses them when it recurses, so they are inspected like the repository itself. */
async function inspectModules(
  commonDirectory: string,
  workTree: WorkTreeRule,
  state: InspectionState,
): Promise<void> {
  const { gitDirectories, problems } = await findModuleGitDirectories(commonDirectory);
  state.problems.push(...problems);
  const superprojectTree = workTree.kind === 'exactly' ? [workTree.path] : state.allowedRoots;
  for (const moduleDirectory of gitDirectories) {
    await inspectGitDirectory(
      posix.normalize(moduleDirectory),
      { kind: 'inside', paths: superprojectTree },
      state,
    );
  }
}
