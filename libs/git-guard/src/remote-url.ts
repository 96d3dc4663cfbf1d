import { posix } from 'node:path';
import { isInsideRoots, resolveAsKernel } from './path-inside-roots.js';

/** Where a remote URL in a repository's config may lead. */
export interface RemoteUrlContext {
  allowedRoots: readonly string[];
  /** Relative local paths are taken from here (the work tree, or the git directory of a bare repository). */
  baseDirectory: string;
}

const helperSyntax = /^[A-Za-z][A-Za-z0-9+.-]*::/;
const schemeSyntax = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const networkSchemes = new Set(['http', 'https', 'ssh', 'git', 'git+ssh', 'ssh+git']);

/**
 * Why a remote or submodule URL is refused, or undefined when it is acceptable. Refused: the
 * `<transport>::<address>` remote-helper syntax (`ext::` runs a command), a leading `-` (read as an option), schemes
 * git would hand to an unknown remote helper, and local paths (plain or `file://`) that lead outside the allowed
 * roots. Network URLs are accepted here: which transports may run is the safety environment's job, which hosts may
 * be reached is the network policy's.
 */
export async function checkRemoteUrl(
  url: string | null,
  context: RemoteUrlContext,
): Promise<string | undefined> {
  if (url === null || url === '') return 'has no URL';
  if (url.startsWith('-')) return 'starts with "-", which git could read as an option';
  if (helperSyntax.test(url)) {
    const transport = url.slice(0, url.indexOf('::'));
    return `uses the <transport>::<address> syntax, which runs the remote helper git-remote-${transport} (ext:: runs any command)`;
  }
  const scheme = schemeSyntax.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'file') return checkLocalPath(url.slice('file://'.length), context);
  if (scheme !== undefined) {
    return networkSchemes.has(scheme)
      ? undefined
      : `uses the scheme ${scheme}://, which git hands to a remote helper`;
  }
  if (isScpLike(url)) return undefined;
  return checkLocalPath(url, context);
}

/**
 * A value of `branch.<name>.remote` or `.pushremote`: `.` (this repository), a remote's name, or a URL checked
 * like {@link checkRemoteUrl}.
 */
export async function checkRemoteNameOrUrl(
  value: string | null,
  context: RemoteUrlContext,
): Promise<string | undefined> {
  if (value === null || value === '') return 'has no value';
  if (value === '.' || /^[^:/\\]+$/.test(value)) {
    return value.startsWith('-') ? 'starts with "-", which git could read as an option' : undefined;
  }
  return checkRemoteUrl(value, context);
}

/** git's rule (`url_is_local_not_ssh`): a colon before any slash makes `host:path` an ssh address. */
function isScpLike(url: string): boolean {
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  return colon !== -1 && (slash === -1 || colon < slash);
}

async function checkLocalPath(path: string, context: RemoteUrlContext): Promise<string | undefined> {
  if (path === '') return 'names no path';
  if (path.includes('%')) return 'is a percent-encoded file URL; write the plain path instead';
  const absolute = path.startsWith('/') ? path : `${context.baseDirectory}/${path}`;
  // For a local path git also tries `<path>.git`, so that sibling must be inside the roots too.
  for (const candidate of [absolute, `${posix.normalize(absolute).replace(/\/+$/, '')}.git`]) {
    const resolved = await resolveAsKernel(candidate);
    if (resolved.kind === 'unresolvable')
      return `names a local path that cannot be checked (${resolved.reason})`;
    if (!isInsideRoots(resolved.path, context.allowedRoots)) {
      return `names the local repository ${resolved.path}, outside the session sandbox (${context.allowedRoots.join(', ')})`;
    }
  }
  return undefined;
}
