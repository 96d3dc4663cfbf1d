import { AppError, ErrorCode } from '@ironcurtain/errors';

/**
 * Where the session sandbox is on the host and where the container sees it. The agent only ever knows
 * `workspacePath` (`/workspace`); the policy only ever reasons about `sandboxPath`.
 */
export interface WorkspaceMapping {
  /** The session sandbox on the host: absolute, no trailing slash. */
  readonly sandboxPath: string;
  /** Its mount point in the container: absolute, no trailing slash (`/workspace`). */
  readonly workspacePath: string;
}

/** Tool arguments nest a few levels in practice; a deeper value is hostile and would only exhaust the stack. */
export const maximumArgumentDepth = 100;

/**
 * The arguments with every string that is exactly the workspace path, or starts with it followed by `/`, rewritten
 * to the sandbox path plus the same rest; object keys, other strings and other values are kept. The rewrite is
 * purely textual on purpose: `/workspace/../etc` becomes `<sandbox>/../etc`, and the PDP, which canonicalizes paths
 * (it resolves `..` and symbolic links), judges where that really is. Mapping less is the safe direction, so
 * `/workspaceX`, `workspace/x` (no leading slash) and `file:///workspace/x` stay as they are; a path the policy does
 * not recognise as inside the sandbox is treated as outside it. A value nested deeper than
 * {@link maximumArgumentDepth} is refused (`SCHEMA_INVALID`).
 */
export function toHostArguments(
  argumentsOfCall: Readonly<Record<string, unknown>>,
  mapping: WorkspaceMapping,
): Record<string, unknown> {
  checkWorkspaceMapping(mapping);
  return mapObject(argumentsOfCall, mapping, 1);
}

function mapValue(value: unknown, mapping: WorkspaceMapping, depth: number): unknown {
  if (typeof value === 'string') return toHostPath(value, mapping);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > maximumArgumentDepth) {
    throw new AppError(
      ErrorCode.SchemaInvalid,
      `tool arguments are nested more than ${maximumArgumentDepth} levels deep; flatten them`,
    );
  }
  if (Array.isArray(value)) return value.map((item: unknown) => mapValue(item, mapping, depth + 1));
  return mapObject(value as Record<string, unknown>, mapping, depth + 1);
}

function mapObject(
  value: Readonly<Record<string, unknown>>,
  mapping: WorkspaceMapping,
  depth: number,
): Record<string, unknown> {
  // fromEntries defines own properties, so a key named `__proto__` stays data instead of setting a prototype.
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, mapValue(item, mapping, depth)] as const),
  );
}

function toHostPath(value: string, mapping: WorkspaceMapping): string {
  if (value === mapping.workspacePath) return mapping.sandboxPath;
  if (value.startsWith(`${mapping.workspacePath}/`)) {
    return mapping.sandboxPath + value.slice(mapping.workspacePath.length);
  }
  return value;
}

// A character that can continue a file name. `/`, whitespace, quotes and punctuation such as `:,;()[]{}<>` end
// one; a `.` only does when no name character follows (`…/sandbox.` at the end of a sentence).
const nameCharacter = String.raw`[\p{L}\p{N}\p{M}_~+@%#-]`;
const endsInNameCharacter = new RegExp(String.raw`(?:${nameCharacter}|\.)$`, 'u');
const startsInNameCharacter = new RegExp(String.raw`^(?:${nameCharacter}|\.(?:${nameCharacter}|\.))`, 'u');

/**
 * The text with every occurrence of the sandbox path, as a whole path prefix, replaced by the workspace path, so the
 * agent reads the paths it can use and never learns the host's layout. An occurrence counts when nothing that could
 * belong to a file name comes right before it and what follows is `/`, the end, or a character that ends a name:
 * `<sandbox>2/x` and `/mnt<sandbox>` are other paths and stay as they are.
 */
export function toContainerText(text: string, mapping: WorkspaceMapping): string {
  checkWorkspaceMapping(mapping);
  const hostPath = mapping.sandboxPath;
  let mapped = '';
  let copiedUpTo = 0;
  let at = text.indexOf(hostPath);
  while (at !== -1) {
    const end = at + hostPath.length;
    // Two code units before and three after cover a surrogate pair and a `.` with the character after it.
    const isWholePath =
      !endsInNameCharacter.test(text.slice(Math.max(0, at - 2), at)) &&
      !startsInNameCharacter.test(text.slice(end, end + 3));
    if (isWholePath) {
      mapped += text.slice(copiedUpTo, at) + mapping.workspacePath;
      copiedUpTo = end;
    }
    at = text.indexOf(hostPath, isWholePath ? end : at + 1);
  }
  return copiedUpTo === 0 ? text : mapped + text.slice(copiedUpTo);
}

/** Throws `CONFIG_INVALID` unless both paths are absolute, not `/`, and without a trailing slash. */
export function checkWorkspaceMapping(mapping: WorkspaceMapping): void {
  for (const [name, path] of Object.entries(mapping)) {
    if (typeof path !== 'string' || !path.startsWith('/') || path.length < 2 || path.endsWith('/')) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `the workspace mapping's ${name} must be an absolute path other than / without a trailing slash; got "${String(path)}"`,
      );
    }
  }
}
