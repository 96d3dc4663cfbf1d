import { roleKindOf, type ArgumentRole } from '../argument-roles.js';
import { canonicalJson, sha256Hex } from '../canonical-json.js';
import { hasControlCharacters } from '../control-characters.js';
import { isPlainObject } from '../is-plain-object.js';
import type { ToolCall } from '../evaluate/evaluation-types.js';
import type { ResolvedArgumentRoles } from '../evaluate/resolve-tool-annotation.js';
import { pathStatesArgument, reservedPathStatesReason } from '../path-states.js';
import { containerToHostPath } from './container-path.js';
import { recordPathStates } from './inspect-path-state.js';
import { resolveCallGitRemotes, type ResolvedGitRemote } from './resolve-call-git-remotes.js';
import { normalizeFetchUrl } from './normalize-fetch-url.js';
import { resolveRealPath } from './resolve-real-path.js';

/** The session facts canonicalization needs. */
export interface CanonicalizationContext {
  /** The session sandbox on the host; relative paths resolve against it. */
  sandboxDir: string;
  /** Where `~` points. */
  homeDir: string;
  /** Only container sessions map `/workspace/…` to the sandbox. */
  isContainerSession: boolean;
  /** The sandbox as the container sees it; `/workspace` by default. */
  containerWorkspace?: string;
  /** Servers whose calls get their effective git remote resolved; `git` by default. */
  gitServers?: readonly string[];
  /** Tools whose remote argument is a URL to clone from, never a named remote; `git_clone` by default. */
  cloneTools?: readonly string[];
}

/** The canonical call, or why it cannot be canonicalized (decision `invalid-arguments`; never allow it). */
export type CanonicalCallResult =
  | {
      ok: true;
      /** The call with canonical arguments: evaluate this, sign this, execute this. */
      call: ToolCall;
      /** sha256 hex of the canonical JSON (sorted keys) of `call.arguments`. */
      argsHash: string;
      /** For each git-remote-url argument resolved from the repository: what it was and where it points. */
      gitRemotes: ResolvedGitRemote[];
    }
  | { ok: false; rule: 'invalid-arguments'; reason: string };

/**
 * Canonicalizes one call's arguments by their roles: paths to symlink-aware absolute host paths (container
 * `/workspace` mapped, `~` and relative paths expanded), fetch URLs to their parsed form, identifiers lowercase,
 * git remotes to `host/owner/repo` — with the effective remote filled in for git calls on a repository. A path,
 * URL or identifier that is not a string (or array of strings), holds a control character or cannot be resolved
 * makes the call invalid. Other arguments are kept as they are. Then, for every `write-path` and `delete-path`
 * value outside the sandbox, what is on disk there now is recorded under `pathStatesArgument` (see
 * `recordPathStates`): evaluation reads a write onto an existing file as also deleting it, and a delete of a
 * directory holding a secret store as touching that secret. A call that already carries that argument is invalid.
 * Never throws.
 */
export function canonicalizeCall(
  call: ToolCall,
  roles: ResolvedArgumentRoles,
  context: CanonicalizationContext,
): CanonicalCallResult {
  try {
    const callArguments: unknown = call.arguments ?? {};
    if (!isPlainObject(callArguments)) return invalid('arguments must be a plain JSON object');
    if (Object.hasOwn(callArguments, pathStatesArgument)) return invalid(reservedPathStatesReason);
    const entries = new Map(Object.entries(callArguments));
    for (const [argument, argumentRoles] of roles) {
      const problem = canonicalizeArgument(entries, argument, argumentRoles, context);
      if (problem !== undefined) return invalid(problem);
    }
    const remotes = resolveCallGitRemotes(call, entries, roles, context);
    if (!remotes.ok) return invalid(remotes.reason);
    const sandboxDir = resolveRealPath(context.sandboxDir, { homeDir: context.homeDir });
    const states = recordPathStates(entries, roles, sandboxDir);
    if (Object.keys(states).length > 0) entries.set(pathStatesArgument, states);
    const canonicalArguments = Object.fromEntries(entries) as Record<string, unknown>;
    const argsHash = computeArgsHash(canonicalArguments);
    return {
      ok: true,
      call: { serverName: call.serverName, toolName: call.toolName, arguments: canonicalArguments },
      argsHash,
      gitRemotes: remotes.gitRemotes,
    };
  } catch (error) {
    return invalid(error instanceof Error ? error.message : 'arguments cannot be canonicalized');
  }
}

/** sha256 hex of the canonical JSON (sorted keys, no whitespace) of canonical arguments. Throws on non-JSON values. */
export function computeArgsHash(canonicalArguments: Readonly<Record<string, unknown>>): string {
  return sha256Hex(canonicalJson(canonicalArguments));
}

function canonicalizeArgument(
  entries: Map<string, unknown>,
  argument: string,
  argumentRoles: readonly ArgumentRole[],
  context: CanonicalizationContext,
): string | undefined {
  const kinds = new Set(argumentRoles.map((role) => roleKindOf(role)).filter((kind) => kind !== 'opaque'));
  if (kinds.size === 0 || !entries.has(argument)) return undefined;
  if (kinds.size > 1) return `argument "${argument}" has roles of different kinds (${[...kinds].join(', ')})`;
  const kind = [...kinds][0] as 'path' | 'url' | 'identifier';
  const raw = entries.get(argument);
  if (raw === undefined || raw === null) return undefined;
  const isList = Array.isArray(raw);
  const items: unknown[] = isList ? (raw as unknown[]) : [raw];
  const canonical: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') return `argument "${argument}" must be a string or an array of strings`;
    if (hasControlCharacters(item)) return `argument "${argument}" contains a control character`;
    const value = canonicalValue(kind, argumentRoles, item, context);
    if (value === undefined)
      return `argument "${argument}": ${JSON.stringify(item.slice(0, 200))} is not usable`;
    canonical.push(value);
  }
  entries.set(argument, isList ? canonical : canonical[0]);
  return undefined;
}

function canonicalValue(
  kind: 'path' | 'url' | 'identifier',
  argumentRoles: readonly ArgumentRole[],
  item: string,
  context: CanonicalizationContext,
): string | undefined {
  if (kind === 'identifier') return item.toLowerCase();
  if (kind === 'url') {
    // git remotes need the repository; resolveCallGitRemotes canonicalizes them.
    if (argumentRoles.includes('git-remote-url')) return item;
    return normalizeFetchUrl(item)?.href;
  }
  if (item === '') return undefined;
  const mapped = containerToHostPath(item, {
    sandboxDir: context.sandboxDir,
    isContainerSession: context.isContainerSession,
    ...(context.containerWorkspace === undefined ? {} : { containerWorkspace: context.containerWorkspace }),
  });
  return resolveRealPath(mapped, { homeDir: context.homeDir, baseDir: context.sandboxDir });
}

function invalid(reason: string): CanonicalCallResult {
  return { ok: false, rule: 'invalid-arguments', reason };
}
