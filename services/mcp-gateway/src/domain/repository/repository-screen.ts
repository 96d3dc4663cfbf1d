import type { InspectOptions, RepositoryVerdict } from '@ironcurtain/git-guard';
import { roleKindOf, type ArgumentRole, type ResolvedArgumentRoles } from '@ironcurtain/policy-engine';
import { gitDirectoryAround } from './git-directory.js';
import type { RepositoryRoots } from './repository-roots.js';
import type { SessionLocks } from './session-locks.js';

/** One call as the screen sees it: canonical arguments and the roles the active policy gives them. */
export interface ScreenedCall {
  serverName: string;
  canonicalArguments: Readonly<Record<string, unknown>>;
  roles: ResolvedArgumentRoles;
  /** The session sandbox: the only place a repository may refer to. */
  sandboxDir: string;
}

/** What the screen needs: which servers run git, their repository roots, and the inspector (`@ironcurtain/git-guard`). */
export interface RepositoryScreenDependencies {
  isGitServer(serverName: string): boolean;
  /** The roots and discovery ceilings of a git server in this session (`repository-roots.ts`). */
  rootsOf(serverName: string, sandboxDir: string): RepositoryRoots;
  inspectRepository(directory: string, options: InspectOptions): Promise<RepositoryVerdict>;
}

/** A call's turn in its session: a git call or a write waits for the session's other git calls and writes. */
export function runInRepositoryTurn<T>(
  call: ScreenedCall & { sessionId: string },
  deps: Pick<RepositoryScreenDependencies, 'isGitServer'> & { locks: SessionLocks },
  work: () => Promise<T>,
): Promise<T> {
  const isExclusive =
    deps.isGitServer(call.serverName) || valuesOf(call, (role) => writingRoles.has(role)).length > 0;
  return isExclusive ? deps.locks.run(call.sessionId, work) : work();
}

/** Why a call was refused: `unsafe-repository` (a git server's target) or `git-directory-write` (any other). */
export type ScreenResult = { ok: true } | { ok: false; reason: string; message: string };

const writingRoles: ReadonlySet<ArgumentRole> = new Set([
  'write-path',
  'delete-path',
  'write-history',
  'delete-history',
]);

/**
 * Agent data is not code. A git server's call is refused when a repository it names (every path-role value) has a
 * config git could be made to run a program with, or that refers outside the sandbox (`@ironcurtain/git-guard`).
 * Any other server's write or delete inside a git directory is refused: git's own tools do that work, and a
 * filesystem write there is how an agent plants such a config in the first place.
 */
export async function screenRepositories(
  call: ScreenedCall,
  deps: RepositoryScreenDependencies,
): Promise<ScreenResult> {
  if (!deps.isGitServer(call.serverName)) return screenGitDirectoryWrites(call);
  const { roots, ceilings } = deps.rootsOf(call.serverName, call.sandboxDir);
  const options: InspectOptions = { allowedRoots: roots, ceilingDirectories: ceilings };
  for (const directory of new Set(valuesOf(call, () => true))) {
    const verdict = await deps.inspectRepository(directory, options);
    if (verdict.kind !== 'refused') continue;
    return {
      ok: false,
      reason: 'unsafe-repository',
      message:
        `the git repository at ${directory} is refused, because git could be made to run a program or reach ` +
        `outside what the git server may see: ${verdict.problems.join('; ')}`,
    };
  }
  return { ok: true };
}

function screenGitDirectoryWrites(call: ScreenedCall): ScreenResult {
  for (const path of valuesOf(call, (role) => writingRoles.has(role))) {
    const gitDirectory = gitDirectoryAround(path);
    if (gitDirectory === undefined) continue;
    return {
      ok: false,
      reason: 'git-directory-write',
      message:
        `${path} is inside the git directory ${gitDirectory}; ${call.serverName} may not write or delete there ` +
        '(use the git tools, which keep a repository consistent)',
    };
  }
  return { ok: true };
}

// The absolute path values of the path-role arguments whose roles pass `isWanted`.
function valuesOf(call: ScreenedCall, isWanted: (role: ArgumentRole) => boolean): string[] {
  const paths: string[] = [];
  for (const [argument, roles] of call.roles) {
    if (!roles.some((role) => roleKindOf(role) === 'path' && isWanted(role))) continue;
    const value = call.canonicalArguments[argument];
    const items = Array.isArray(value) ? (value as unknown[]) : [value];
    for (const item of items) if (typeof item === 'string' && item.startsWith('/')) paths.push(item);
  }
  return paths;
}
