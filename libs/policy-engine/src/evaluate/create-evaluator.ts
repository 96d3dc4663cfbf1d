import { posix } from 'node:path';
import { defaultContainerWorkspace } from '../canonicalize/container-path.js';
import { resolveRealPath } from '../canonicalize/resolve-real-path.js';
import type { LoadedPolicy } from '../parse-policy-artifacts.js';
import { evaluate, explain } from './evaluate.js';
import type { EvaluationContext, Explanation, PolicyDecision, ToolCall } from './evaluation-types.js';

/** The session facts an evaluator is built for. */
export interface EvaluatorOptions {
  /** The session sandbox; relative paths resolve against it and in-sandbox paths of sandbox servers need no rule. */
  sandboxDir?: string;
  /** Where `~` points; without it a `~` path is invalid. */
  homeDir?: string;
  /** Paths no tool call may touch (see `deriveProtectedPaths`). */
  protectedPaths?: readonly string[];
  /** Servers whose calls are allowed without evaluation. */
  trustedServers?: Iterable<string>;
  /** Per server, the domains its URL arguments may name without escalating. */
  serverDomains?: ReadonlyMap<string, readonly string[]> | Readonly<Record<string, readonly string[]>>;
  /** Only container sessions treat `/workspace` as the sandbox. */
  isContainerSession?: boolean;
  /** The sandbox as the container sees it; `/workspace` by default. */
  containerWorkspace?: string;
  /** Servers where sandbox containment applies; `filesystem` and `git` by default. */
  sandboxServers?: Iterable<string>;
}

/** A policy bound to one session's context. */
export interface Evaluator {
  readonly policy: LoadedPolicy;
  readonly context: EvaluationContext;
  /** See {@link evaluate}. */
  evaluate(call: ToolCall): PolicyDecision;
  /** See {@link explain}. */
  explain(call: ToolCall): Explanation;
}

/**
 * Resolves the session facts once — sandbox, protected paths and every rule's `paths.within` through symlinks — so
 * that evaluation touches no filesystem. Build a new context when the sandbox changes. A protected path that cannot
 * be resolved is kept as written (still protected).
 */
export function createEvaluationContext(
  policy: LoadedPolicy,
  options: EvaluatorOptions = {},
): EvaluationContext {
  const homeDir = options.homeDir === undefined ? undefined : posix.resolve(options.homeDir);
  const sandboxDir =
    options.sandboxDir === undefined ? undefined : resolveOrKeep(options.sandboxDir, { homeDir });
  const base = { homeDir, baseDir: sandboxDir };
  const resolvedDirectories = new Map<string, string>();
  for (const rule of policy.compiledPolicy.rules) {
    const within = rule.if.paths?.within;
    if (within === undefined || resolvedDirectories.has(within)) continue;
    const resolved = tryResolve(within, base);
    if (resolved !== undefined) resolvedDirectories.set(within, resolved);
  }
  return Object.freeze({
    sandboxDir,
    homeDir,
    protectedPaths: Object.freeze(
      (options.protectedPaths ?? []).map((path) => resolveOrKeep(path, { homeDir })),
    ),
    trustedServers: new Set(options.trustedServers ?? []),
    serverDomains: toMap(options.serverDomains),
    isContainerSession: options.isContainerSession ?? false,
    containerWorkspace: posix.resolve(options.containerWorkspace ?? defaultContainerWorkspace),
    sandboxServers: new Set(options.sandboxServers ?? ['filesystem', 'git']),
    resolvedDirectories,
  });
}

/** {@link createEvaluationContext} and the policy, bound together: `evaluator.evaluate(call)`. */
export function createEvaluator(policy: LoadedPolicy, options: EvaluatorOptions = {}): Evaluator {
  const context = createEvaluationContext(policy, options);
  return {
    policy,
    context,
    evaluate: (call) => evaluate(call, policy, context),
    explain: (call) => explain(call, policy, context),
  };
}

function tryResolve(path: string, base: { homeDir?: string; baseDir?: string }): string | undefined {
  try {
    return resolveRealPath(path, base);
  } catch {
    return undefined;
  }
}

function resolveOrKeep(path: string, base: { homeDir?: string; baseDir?: string }): string {
  return tryResolve(path, base) ?? posix.resolve(path);
}

function toMap(domains: EvaluatorOptions['serverDomains']): ReadonlyMap<string, readonly string[]> {
  if (domains === undefined) return new Map();
  if (domains instanceof Map) return new Map(domains);
  return new Map(Object.entries(domains as Readonly<Record<string, readonly string[]>>));
}
