import { realpath } from 'node:fs/promises';
import { posix } from 'node:path';

/** Where a path really leads: `path` with every symlink resolved, or why that cannot be known. */
export type ResolvedPath = { kind: 'resolved'; path: string } | { kind: 'unresolvable'; reason: string };

/** True when `path` is one of `roots` or below one. All paths are absolute, normalized and real. */
export function isInsideRoots(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => path === root || path.startsWith(root === '/' ? '/' : `${root}/`));
}

/**
 * Resolves an absolute path the way the kernel would if a file were created there: the longest existing prefix is
 * resolved with realpath(3) (symlinks and `..` as the kernel walks them), and the missing rest is appended. A
 * missing rest that contains `..` cannot be placed (the kernel would refuse it), nor can a symlink loop.
 */
export async function resolveAsKernel(path: string): Promise<ResolvedPath> {
  const missing: string[] = [];
  let existing = path;
  for (;;) {
    try {
      const real = await realpath(existing);
      if (missing.includes('..'))
        return { kind: 'unresolvable', reason: `${path} goes up (..) below a missing directory` };
      return { kind: 'resolved', path: posix.join(real, ...missing.reverse()) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        return { kind: 'unresolvable', reason: `${path} cannot be resolved (${code ?? 'unknown error'})` };
      }
    }
    const parent = posix.dirname(existing);
    if (parent === existing) return { kind: 'unresolvable', reason: `${path} cannot be resolved` };
    const name = posix.basename(existing);
    if (name !== '' && name !== '.') missing.push(name);
    existing = parent;
  }
}

/**
 * Checks that an absolute path leads inside the allowed roots. Returns undefined when it does, else a sentence for
 * the agent that names `what` (for example "the gitdir: line of /s/repo/.git").
 */
export async function checkInsideRoots(
  what: string,
  path: string,
  roots: readonly string[],
): Promise<string | undefined> {
  const resolved = await resolveAsKernel(path);
  if (resolved.kind === 'unresolvable')
    return `${what}: ${resolved.reason}; refused because it cannot be checked`;
  if (isInsideRoots(resolved.path, roots)) return undefined;
  const shown = resolved.path === path ? path : `${path} (really ${resolved.path})`;
  return `${what}: ${shown} is outside the session sandbox (${roots.join(', ')}); git must not read or write there`;
}
