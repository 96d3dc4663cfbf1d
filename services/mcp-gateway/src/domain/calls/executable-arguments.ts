import {
  findChangedPathState,
  findGitRepository,
  parseCanonicalGitRemote,
  parseGitRemoteUrl,
  resolveEffectiveGitRemote,
  resolveRealPath,
  roleKindOf,
  withoutPathStates,
  type ResolvedArgumentRoles,
} from '@ironcurtain/policy-engine';

/** The arguments to send to the server, or why the call must not run. */
export type ExecutableArguments =
  { ok: true; arguments: Record<string, unknown> } | { ok: false; reason: string };

/**
 * Checks that every path-role value still resolves to itself — the canonical form is a real path, so a value that
 * now resolves elsewhere means a symlink was swapped after the decision — and that every path state the engine
 * recorded at prepare (`ironcurtain:path-states`: nothing, a file, a directory with or without a secret store) is
 * still what is on disk, so a file created since the decision cannot turn an allowed create into an overwrite.
 * Then it drops that record (it is the engine's, not the tool's) and turns canonical git remotes
 * (`host/owner/repo`, which git cannot use) back into something git runs: the repository's configured remote
 * that points there for a `remote` argument, else `https://host/owner/repo.git`. Nothing else is changed.
 */
export function toExecutableArguments(
  canonicalArguments: Readonly<Record<string, unknown>>,
  roles: ResolvedArgumentRoles,
): ExecutableArguments {
  const result: Record<string, unknown> = withoutPathStates(canonicalArguments);
  for (const [argument, argumentRoles] of roles) {
    const value = result[argument];
    if (value === undefined || value === null) continue;
    const kinds = new Set(argumentRoles.map((role) => roleKindOf(role)));
    if (kinds.has('path')) {
      const moved = firstMovedPath(value);
      if (moved !== undefined) {
        return {
          ok: false,
          reason:
            `argument "${argument}": ${moved.path} now resolves to ${moved.now} (a symlink changed after the ` +
            'decision); the call was not run — ask again',
        };
      }
    }
    if (argumentRoles.includes('git-remote-url')) {
      result[argument] = mapRemotes(value, argument, repositoryPathOf(result, roles));
    }
  }
  const changed = findChangedPathState(canonicalArguments);
  if (changed !== undefined) {
    return {
      ok: false,
      reason:
        `${changed.path} was ${changed.recorded} when the call was decided and is now ${changed.now} (it ` +
        'changed after the decision); the call was not run — ask again',
    };
  }
  return { ok: true, arguments: result };
}

function firstMovedPath(value: unknown): { path: string; now: string } | undefined {
  const values = Array.isArray(value) ? value : [value];
  for (const item of values) {
    if (typeof item !== 'string' || !item.startsWith('/')) continue;
    let now: string;
    try {
      now = resolveRealPath(item);
    } catch {
      return { path: item, now: 'nothing that can be inspected' };
    }
    if (now !== item) return { path: item, now };
  }
  return undefined;
}

function mapRemotes(value: unknown, argument: string, repositoryPath: string | undefined): unknown {
  const map = (item: unknown): unknown => {
    if (typeof item !== 'string' || parseGitRemoteUrl(item) !== undefined) return item;
    const location = parseCanonicalGitRemote(item);
    if (location === undefined) return item;
    const remoteName =
      argument === 'remote' && repositoryPath !== undefined
        ? configuredRemoteFor(repositoryPath, location.canonical)
        : undefined;
    return remoteName ?? `https://${location.canonical}.git`;
  };
  return Array.isArray(value) ? value.map(map) : map(value);
}

// A remote of the repository whose every URL is that repository (the engine's own resolution); `origin` first.
function configuredRemoteFor(repositoryPath: string, canonical: string): string | undefined {
  let names: string[];
  try {
    const repository = findGitRepository(repositoryPath);
    names = [
      ...new Set(
        (repository?.config ?? [])
          .filter((entry) => entry.section === 'remote' && entry.subsection !== undefined)
          .map((entry) => entry.subsection as string),
      ),
    ];
  } catch {
    return undefined;
  }
  names.sort((left, right) => Number(right === 'origin') - Number(left === 'origin'));
  return names.find((name) => {
    const resolution = resolveEffectiveGitRemote(repositoryPath, name);
    return resolution.ok && resolution.remote.canonical === canonical;
  });
}

function repositoryPathOf(
  argumentsByName: Readonly<Record<string, unknown>>,
  roles: ResolvedArgumentRoles,
): string | undefined {
  const path = argumentsByName['path'];
  if (typeof path === 'string' && path.startsWith('/')) return path;
  for (const [argument, argumentRoles] of roles) {
    const value = argumentsByName[argument];
    if (typeof value === 'string' && argumentRoles.some((role) => roleKindOf(role) === 'path')) return value;
  }
  return undefined;
}
