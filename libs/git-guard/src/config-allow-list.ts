import type { ConfigEntry } from './config-entries.js';
import { dangerReason } from './danger-reasons.js';
import { isInsideRoots, resolveAsKernel } from './path-inside-roots.js';
import { checkRemoteNameOrUrl, checkRemoteUrl, type RemoteUrlContext } from './remote-url.js';

/** Which work tree a git directory may name with `core.worktree`. */
export type WorkTreeRule =
  /** Found through a `.git` entry: core.worktree may only repeat the directory holding it. */
  | { kind: 'exactly'; path: string }
  /** A submodule's git directory under `modules/`: core.worktree must stay inside the superproject's work tree. */
  | { kind: 'inside'; paths: readonly string[] }
  /** A bare repository: no work tree at all. */
  | { kind: 'none' };

/** What a value check needs to know about the file the entry came from. */
export interface SettingContext extends RemoteUrlContext {
  /** The git directory the file belongs to (core.worktree is relative to it). */
  gitDirectory: string;
  workTree: WorkTreeRule;
}

type ValueCheck = (
  value: string | null,
  context: SettingContext,
) => string | undefined | Promise<string | undefined>;

type PlainValueCheck = (value: string | null) => string | undefined;

const booleanWords = new Set(['', 'true', 'false', 'yes', 'no', 'on', 'off']);

/** git_config_bool: no value (true), the words above, or an integer with an optional k/m/g unit. */
function isBoolean(value: string | null): string | undefined {
  if (value === null || booleanWords.has(value.toLowerCase()) || /^-?\d+[kmg]?$/i.test(value))
    return undefined;
  return 'is not a boolean';
}

function booleanOr(words: readonly string[]): PlainValueCheck {
  return (value) => {
    if (value !== null && words.includes(value.toLowerCase())) return undefined;
    return isBoolean(value) === undefined ? undefined : `is not one of true, false, ${words.join(', ')}`;
  };
}

function oneOf(words: readonly string[]): PlainValueCheck {
  return (value) =>
    value !== null && words.includes(value.toLowerCase()) ? undefined : `is not one of ${words.join(', ')}`;
}

function anyText(value: string | null): string | undefined {
  return value === null ? 'has no value' : undefined;
}

function notAnOption(value: string | null): string | undefined {
  if (value === null) return 'has no value';
  return value.startsWith('-') ? 'starts with "-", which git could read as an option' : undefined;
}

function checkSubmoduleUpdate(value: string | null): string | undefined {
  if (value?.startsWith('!')) return 'is a !command, which git submodule update runs';
  return oneOf(['checkout', 'rebase', 'merge', 'none'])(value);
}

async function checkWorkTree(value: string | null, context: SettingContext): Promise<string | undefined> {
  const rule = context.workTree;
  if (value === null || value === '') return 'has no value';
  if (rule.kind === 'none') return 'gives a bare repository a work tree';
  const named = value.startsWith('/') ? value : `${context.gitDirectory}/${value}`;
  const resolved = await resolveAsKernel(named);
  if (resolved.kind === 'unresolvable')
    return `names a work tree that cannot be checked (${resolved.reason})`;
  if (rule.kind === 'inside') {
    if (isInsideRoots(resolved.path, rule.paths)) return undefined;
    return `moves the work tree to ${resolved.path}, outside ${rule.paths.join(', ')}`;
  }
  if (resolved.path === rule.path) return undefined;
  return `moves the work tree away from ${rule.path}, where git would otherwise work, to ${resolved.path}`;
}

/** Keys without a subsection that a repository may set, with the check of their value. */
const plainKeys: ReadonlyMap<string, ValueCheck> = new Map<string, ValueCheck>([
  ['core.repositoryformatversion', oneOf(['0', '1'])],
  ['core.filemode', isBoolean],
  ['core.bare', isBoolean],
  ['core.logallrefupdates', booleanOr(['always'])],
  ['core.ignorecase', isBoolean],
  ['core.precomposeunicode', isBoolean],
  ['core.symlinks', isBoolean],
  ['core.autocrlf', booleanOr(['input'])],
  ['core.eol', oneOf(['lf', 'crlf', 'native'])],
  ['core.safecrlf', booleanOr(['warn'])],
  ['core.worktree', checkWorkTree],
  ['extensions.objectformat', oneOf(['sha1', 'sha256'])],
  ['extensions.worktreeconfig', isBoolean],
  ['user.name', anyText],
  ['user.email', anyText],
  ['init.defaultbranch', notAnOption],
  ['pull.rebase', booleanOr(['merges', 'm'])],
  ['pull.ff', booleanOr(['only'])],
  ['submodule.active', anyText],
]);

/** Keys of the form `section.<name>.variable` (the name is the attacker's choice, so only the variable is listed). */
const subsectionKeys: ReadonlyMap<string, ValueCheck> = new Map<string, ValueCheck>([
  ['remote.url', checkRemoteUrl],
  ['remote.pushurl', checkRemoteUrl],
  ['remote.fetch', notAnOption],
  ['remote.push', notAnOption],
  ['remote.tagopt', oneOf(['--tags', '--no-tags'])],
  ['remote.prune', isBoolean],
  ['remote.mirror', isBoolean],
  ['branch.remote', checkRemoteNameOrUrl],
  ['branch.pushremote', checkRemoteNameOrUrl],
  ['branch.merge', notAnOption],
  ['branch.rebase', booleanOr(['merges', 'm'])],
  ['branch.description', anyText],
  ['submodule.url', checkRemoteUrl],
  ['submodule.active', isBoolean],
  ['submodule.update', checkSubmoduleUpdate],
  ['submodule.branch', notAnOption],
]);

/** The allow-listed keys, for documentation and tests: `section.variable` and `section.<name>.variable`. */
export function allowedKeys(): string[] {
  const withName = [...subsectionKeys.keys()].map((key) => key.replace('.', '.<name>.'));
  return [...plainKeys.keys(), ...withName];
}

/**
 * Judges one config entry against the allow-list: undefined when the key is listed and its value passes, else a
 * problem that names the file, the key (and value) and why, written for the agent.
 */
export async function checkConfigEntry(
  entry: ConfigEntry,
  file: string,
  context: SettingContext,
): Promise<string | undefined> {
  const check =
    entry.subsection === undefined
      ? plainKeys.get(entry.key)
      : subsectionKeys.get(`${entry.section}.${entry.variable}`);
  const shown = `${entry.key}${entry.value === null ? '' : ` = ${JSON.stringify(truncate(entry.value))}`}`;
  if (check === undefined)
    return `${file}: ${shown} is not allowed: ${dangerReason(entry)}; remove it from ${file}`;
  const why = await check(entry.value, context);
  if (why === undefined) return undefined;
  return `${file}: ${shown} is not allowed: the value ${why}; fix or remove it in ${file}`;
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
