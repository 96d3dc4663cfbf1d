import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { resolveRealPath } from '../canonicalize/resolve-real-path.js';
import { deriveProtectedPaths } from '../evaluate/derive-protected-paths.js';
import { isWithin } from '../path-within.js';

/** Why a directory may not be a session's workspace (`ironcurtain start --workspace DIR`). */
export type WorkspaceRefusal =
  | 'not-absolute'
  | 'missing'
  | 'not-a-directory'
  | 'root'
  | 'ironcurtain-home'
  | 'inside-ironcurtain-home'
  | 'contains-ironcurtain-home'
  | 'user-home'
  | 'contains-user-home'
  | 'protected-path'
  | 'contains-protected-path';

/** The places a workspace must keep clear of; symlinks in them are resolved by the check. */
export interface WorkspacePlaces {
  /** IRONCURTAIN_HOME: config, CA, policy, audit trails, other sessions. */
  ironcurtainHome: string;
  /** The home directories of the users concerned (the service's `HOME`, the owner of IRONCURTAIN_HOME). */
  userHomes: readonly string[];
  /** The policy engine's protected paths (`deriveProtectedPaths`), existing or not. */
  protectedPaths: readonly string[];
}

/** What the check reads of the file system: its two ports. */
export interface WorkspaceFileSystem {
  /** The symlink-free absolute form of `path` (components that do not exist attached as written). */
  realPathOf(path: string): string;
  /** What is at `path`, following symlinks. */
  kindOf(path: string): 'directory' | 'other' | 'missing';
}

/** The verdict on a requested workspace: its real path, or why it is refused with a message that says what to do. */
export type WorkspaceCheck =
  { isAllowed: true; workspace: string } | { isAllowed: false; refusal: WorkspaceRefusal; message: string };

const advice = 'choose a project directory of its own, e.g. `ironcurtain start --workspace ~/src/my-project`';

/**
 * Decides whether `requested` may be a session's workspace, i.e. what the policy's `$SANDBOX` means for the session
 * and what its tools may write. Refused: anything that is not an existing directory; `/`; IRONCURTAIN_HOME, anything
 * inside it and any directory containing it (the config, CA and audit trail would be in the sandbox); a user's home
 * directory and any directory containing one; a protected path, anything inside one and any directory containing one.
 * Every comparison is between real paths, so a symlink that leads into a refused place is refused as that place.
 */
export function checkWorkspace(
  requested: string,
  places: WorkspacePlaces,
  fileSystem: WorkspaceFileSystem,
): WorkspaceCheck {
  const refuse = (refusal: WorkspaceRefusal, why: string): WorkspaceCheck => ({
    isAllowed: false,
    refusal,
    message: `workspace ${requested} is refused: ${why}; ${advice}`,
  });
  if (!posix.isAbsolute(requested)) return refuse('not-absolute', 'it is not an absolute path');
  let workspace: string;
  try {
    workspace = fileSystem.realPathOf(requested);
  } catch {
    return refuse('missing', 'its path cannot be resolved (a symlink loop or a folder that cannot be read)');
  }
  const kind = fileSystem.kindOf(workspace);
  if (kind === 'missing') return refuse('missing', 'it does not exist');
  if (kind !== 'directory') return refuse('not-a-directory', 'it is not a directory');
  const shown = workspace === requested ? '' : ` (it resolves to ${workspace})`;
  if (workspace === '/') return refuse('root', `it is the root directory${shown}`);
  const home = fileSystem.realPathOf(places.ironcurtainHome);
  if (workspace === home) return refuse('ironcurtain-home', `it is IRONCURTAIN_HOME${shown}`);
  if (isWithin(workspace, home)) {
    return refuse('inside-ironcurtain-home', `it is inside IRONCURTAIN_HOME ${home}${shown}`);
  }
  const userHomes = places.userHomes.map((path) => fileSystem.realPathOf(path));
  const userHome = userHomes.find((path) => path === workspace);
  if (userHome !== undefined) return refuse('user-home', `it is the home directory ${userHome}${shown}`);
  if (isWithin(home, workspace)) {
    return refuse(
      'contains-ironcurtain-home',
      `it contains IRONCURTAIN_HOME ${home} (its config, CA and audit trails)${shown}`,
    );
  }
  const containedHome = userHomes.find((path) => isWithin(path, workspace));
  if (containedHome !== undefined) {
    return refuse('contains-user-home', `it contains the home directory ${containedHome}${shown}`);
  }
  for (const protectedPath of places.protectedPaths.map((path) => fileSystem.realPathOf(path))) {
    if (isWithin(workspace, protectedPath)) {
      return refuse('protected-path', `it is or lies inside the protected path ${protectedPath}${shown}`);
    }
    if (isWithin(protectedPath, workspace)) {
      return refuse('contains-protected-path', `it contains the protected path ${protectedPath}${shown}`);
    }
  }
  return { isAllowed: true, workspace };
}

/** {@link WorkspaceFileSystem} on this machine's files. */
export const hostWorkspaceFileSystem: WorkspaceFileSystem = {
  realPathOf: (path) => resolveRealPath(path),
  kindOf(path) {
    try {
      return statSync(path).isDirectory() ? 'directory' : 'other';
    } catch {
      return 'missing';
    }
  },
};

/** Where IronCurtain's controls live, for {@link workspacePlacesOf}. */
export interface WorkspacePlaceSources {
  ironcurtainHome: string;
  /** The `HOME` of the process that checks. */
  processHome: string;
  /** The MCP server config the stack runs (the shipped one unless IRONCURTAIN_MCP_CONFIG names another). */
  mcpConfigPath?: string | undefined;
  /** Policy directories outside IRONCURTAIN_HOME, if any. */
  policyDirs?: readonly string[];
}

/**
 * The places a workspace must keep clear of: IRONCURTAIN_HOME, the homes of this process and of the owner of
 * IRONCURTAIN_HOME, and the policy engine's protected paths. The working directory's `.env` (protected for the
 * process that evaluates) is left out: that directory is arbitrary — often the repository the user gives as the
 * workspace, since services of the local stack start in the CLI's — and a protected entry inside the sandbox stays
 * protected in evaluation (`isProtectedPath`), so that `.env` is still denied there.
 */
export function workspacePlacesOf(sources: WorkspacePlaceSources): WorkspacePlaces {
  const ownerHome = ownerHomeOf(sources.ironcurtainHome);
  return {
    ironcurtainHome: sources.ironcurtainHome,
    userHomes: [...new Set([sources.processHome, ...(ownerHome === undefined ? [] : [ownerHome])])],
    protectedPaths: deriveProtectedPaths(sources.ironcurtainHome, {
      policyDirs: [posix.join(sources.ironcurtainHome, 'generated'), ...(sources.policyDirs ?? [])],
      // Relative entries resolve against IRONCURTAIN_HOME, and the `.env` this adds lies inside it.
      cwd: sources.ironcurtainHome,
      ...(sources.mcpConfigPath === undefined ? {} : { mcpConfigPath: sources.mcpConfigPath }),
    }),
  };
}

// The home directory (from /etc/passwd) of the user who owns `path`, or undefined when either is unknown.
function ownerHomeOf(path: string): string | undefined {
  let uid: number;
  let passwd: string;
  try {
    uid = statSync(path).uid;
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 7 && Number(fields[2]) === uid && fields[5]?.startsWith('/') === true)
      return fields[5];
  }
  return undefined;
}
