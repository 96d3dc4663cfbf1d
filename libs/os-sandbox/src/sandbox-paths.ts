import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/** The values `~` and `${IRONCURTAIN_SANDBOX}` stand for in a sandbox path. */
export interface PathPlaceholders {
  /** The user's home directory (`~`). */
  homeDir: string;
  /** This session's sandbox directory (`${IRONCURTAIN_SANDBOX}`). */
  sessionSandboxDir: string;
}

const sandboxPlaceholder = '${IRONCURTAIN_SANDBOX}';

/**
 * Expands `~`, `~/…` and `${IRONCURTAIN_SANDBOX}` in a sandbox path from the MCP server config and normalizes it.
 * Anything else that is not an absolute path (a relative path, `~user`, another `${…}`) is a config error: a path
 * the sandbox cannot place must not silently become a different grant or an unenforced deny.
 */
export function expandSandboxPath(path: string, placeholders: PathPlaceholders): string {
  let expanded = path.split(sandboxPlaceholder).join(placeholders.sessionSandboxDir);
  if (expanded === '~') expanded = placeholders.homeDir;
  else if (expanded.startsWith('~/')) expanded = join(placeholders.homeDir, expanded.slice(2));
  const unknown = /\$\{[^}]*\}/.exec(expanded);
  if (unknown !== null) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `sandbox path "${path}" uses ${unknown[0]}; only ~ and ${sandboxPlaceholder} are expanded in sandbox paths (mcp-servers.json)`,
    );
  }
  if (!isAbsolute(expanded)) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `sandbox path "${path}" is not absolute; write it as /…, ~/… or ${sandboxPlaceholder}/… in mcp-servers.json`,
    );
  }
  return stripTrailingSeparator(normalize(expanded));
}

/** What a path is on the host, after following symlinks; `missing` when it (or its target) does not exist. */
export type HostPathKind = 'directory' | 'file' | 'missing';

/** A host path resolved through its symlinks. */
export interface ResolvedPath {
  /** The path as configured (expanded, normalized). */
  configuredPath: string;
  /** The real path (symlinks resolved); equal to `configuredPath` when the path is missing. */
  realPath: string;
  kind: HostPathKind;
}

/** Resolves a host path's real path and kind; a missing path is reported, not thrown. */
export function resolveHostPath(configuredPath: string): ResolvedPath {
  try {
    const realPath = realpathSync(configuredPath);
    const kind: HostPathKind = statSync(realPath).isDirectory() ? 'directory' : 'file';
    return { configuredPath, realPath, kind };
  } catch {
    return { configuredPath, realPath: configuredPath, kind: 'missing' };
  }
}

/** True when `path` is `ancestor` or lies below it (both absolute and normalized). */
export function isPathWithin(path: string, ancestor: string): boolean {
  if (ancestor === sep) return true;
  return path === ancestor || path.startsWith(ancestor + sep);
}

/** The number of segments in an absolute path: `/` is 0, `/usr` is 1, `/usr/lib` is 2. */
export function pathDepth(path: string): number {
  return path === sep ? 0 : path.split(sep).length - 1;
}

function stripTrailingSeparator(path: string): string {
  return path.length > 1 && path.endsWith(sep) ? path.slice(0, -1) : path;
}
