import { join } from 'node:path';
import {
  createEvaluator,
  deriveProtectedPaths,
  type Evaluator,
  type EvaluatorOptions,
  type LoadedPolicy,
} from '@ironcurtain/policy-engine';

/** The facts every session's evaluator shares. */
export interface PolicySettings {
  home: string;
  homeDir: string;
  cwd: string;
  mcpConfigPath?: string | undefined;
  trustedServers: readonly string[];
  serverDomains: Readonly<Record<string, readonly string[]>>;
}

const maxCachedSessions = 1000;

/**
 * Holds the active policy and one evaluator per session (its sandbox resolved once). Swapping drops every cached evaluator at once, so no call
 * is decided by a mix of two policies.
 */
export function createPolicyHolder(settings: PolicySettings) {
  let active: { policy: LoadedPolicy; evaluators: Map<string, Evaluator> } | undefined;
  const protectedPaths = deriveProtectedPaths(settings.home, {
    policyDirs: [join(settings.home, 'generated')],
    cwd: settings.cwd,
    ...(settings.mcpConfigPath === undefined ? {} : { mcpConfigPath: settings.mcpConfigPath }),
  });

  return {
    activate(policy: LoadedPolicy): void {
      active = { policy, evaluators: new Map() };
    },
    get policyHash(): string | undefined {
      return active?.policy.policyHash;
    },
    /** The evaluator for one session, or undefined while no policy is active. */
    evaluatorFor(sessionId: string, sandboxDir: string): Evaluator | undefined {
      if (active === undefined) return undefined;
      const cached = active.evaluators.get(sessionId);
      if (cached !== undefined) return cached;
      const options: EvaluatorOptions = {
        sandboxDir,
        homeDir: settings.homeDir,
        protectedPaths,
        trustedServers: settings.trustedServers,
        serverDomains: settings.serverDomains,
      };
      const evaluator = createEvaluator(active.policy, options);
      if (active.evaluators.size >= maxCachedSessions) {
        const oldest = active.evaluators.keys().next().value;
        if (oldest !== undefined) active.evaluators.delete(oldest);
      }
      active.evaluators.set(sessionId, evaluator);
      return evaluator;
    },
  };
}

/** The holder's type, for wiring. */
export type PolicyHolder = ReturnType<typeof createPolicyHolder>;
