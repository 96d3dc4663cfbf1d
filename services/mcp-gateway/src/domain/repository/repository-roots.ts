import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { McpServerEntry } from '@ironcurtain/mcp-config';
import { expandSandboxPath } from '@ironcurtain/os-sandbox';
import { resolveRealPath } from '@ironcurtain/policy-engine';

/** Where a git server's repositories may live and what they may refer to, and where git's discovery stops. */
export interface RepositoryRoots {
  /** The session sandbox and every folder the server's OS sandbox grants (real paths): all the server can see. */
  roots: string[];
  /** The parent of each root: git never walks up into them, so it finds no repository the server cannot see. */
  ceilings: string[];
}

/**
 * A git server's repository roots for one session: its sandbox plus the `allowRead`/`allowWrite` grants of its
 * entry (`~` and `${IRONCURTAIN_SANDBOX}` expanded). The inspector refuses a repository that refers outside them, and
 * the same list's parents are git's discovery ceilings, so the inspector (which sees the whole host) and git (which
 * sees only its sandbox) find the same repository.
 */
export function repositoryRoots(
  sandbox: McpServerEntry['sandbox'],
  placement: { sandboxDir: string; homeDir: string },
): RepositoryRoots {
  const grants =
    sandbox === false || sandbox?.filesystem === undefined
      ? []
      : [...sandbox.filesystem.allowRead, ...sandbox.filesystem.allowWrite];
  const expanded = grants.map((path) =>
    expandSandboxPath(path, { homeDir: placement.homeDir, sessionSandboxDir: placement.sandboxDir }),
  );
  // A grant that does not exist holds no repository (and the server's sandbox skips it too).
  const existing = expanded.filter((path) => existsSync(path));
  const roots = [...new Set([placement.sandboxDir, ...existing].map((path) => resolveRealPath(path)))];
  return { roots, ceilings: [...new Set(roots.map((root) => dirname(root)))] };
}
