import { qualifyModelId, userConfigDefaults, type UserConfigFile } from './user-config-schema.js';

/** A budget limit: a number, or null for unlimited. */
export type BudgetLimit = number | null;

/** config.json with every default filled in and model ids qualified (`provider:model`). */
export interface ResolvedUserConfig {
  readonly agentModelId: string;
  readonly policyModelId: string;
  readonly apiKeys: {
    readonly anthropic?: string | undefined;
    readonly openai?: string | undefined;
    readonly google?: string | undefined;
    readonly openaiCompatible?: string | undefined;
  };
  readonly baseUrls: {
    readonly anthropic?: string | undefined;
    readonly openai?: string | undefined;
    readonly google?: string | undefined;
    readonly ollama?: string | undefined;
    readonly openaiCompatible?: string | undefined;
  };
  readonly escalationTimeoutSeconds: number;
  readonly resourceBudget: {
    readonly maxTotalTokens: BudgetLimit;
    readonly maxSteps: BudgetLimit;
    readonly maxSessionSeconds: BudgetLimit;
    readonly maxEstimatedCostUsd: BudgetLimit;
    readonly warnThresholdPercent: number;
  };
  readonly autoCompact: {
    readonly enabled: boolean;
    readonly thresholdTokens: number;
    readonly keepRecentMessages: number;
    /** The summarizing model; absent = the session's own model. */
    readonly summaryModelId?: string | undefined;
  };
  readonly autoApprove: { readonly enabled: boolean; readonly modelId: string };
  readonly auditRedaction: { readonly enabled: boolean };
  readonly webSearch: UserConfigFile['webSearch'];
  readonly serverCredentials: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly signal: UserConfigFile['signal'];
  readonly preferredDockerAgent: 'claude-code' | 'codex';
  readonly dockerResources: { readonly memoryMb: number; readonly cpus: number; readonly pids: number };
}

// A budget key that is present with null means unlimited; only an absent key takes the default.
function limitOf(value: BudgetLimit | undefined, fallback: number): BudgetLimit {
  return value === undefined ? fallback : value;
}

/** Fills in every default of a validated config.json. */
export function resolveUserConfig(file: UserConfigFile): ResolvedUserConfig {
  const defaults = userConfigDefaults;
  const budget = file.resourceBudget ?? {};
  const compact = file.autoCompact ?? {};
  return {
    agentModelId: qualifyModelId(file.agentModelId ?? defaults.agentModelId),
    policyModelId: qualifyModelId(file.policyModelId ?? defaults.policyModelId),
    apiKeys: {
      anthropic: file.anthropicApiKey,
      openai: file.openaiApiKey,
      google: file.googleApiKey,
      openaiCompatible: file.openaiCompatibleApiKey,
    },
    baseUrls: {
      anthropic: file.anthropicBaseUrl,
      openai: file.openaiBaseUrl,
      google: file.googleBaseUrl,
      ollama: file.ollamaBaseUrl,
      openaiCompatible: file.openaiCompatibleBaseUrl,
    },
    escalationTimeoutSeconds: file.escalationTimeoutSeconds ?? defaults.escalationTimeoutSeconds,
    resourceBudget: {
      maxTotalTokens: limitOf(budget.maxTotalTokens, defaults.resourceBudget.maxTotalTokens),
      maxSteps: limitOf(budget.maxSteps, defaults.resourceBudget.maxSteps),
      maxSessionSeconds: limitOf(budget.maxSessionSeconds, defaults.resourceBudget.maxSessionSeconds),
      maxEstimatedCostUsd: limitOf(budget.maxEstimatedCostUsd, defaults.resourceBudget.maxEstimatedCostUsd),
      warnThresholdPercent: budget.warnThresholdPercent ?? defaults.resourceBudget.warnThresholdPercent,
    },
    autoCompact: {
      enabled: compact.enabled ?? defaults.autoCompact.enabled,
      thresholdTokens: compact.thresholdTokens ?? defaults.autoCompact.thresholdTokens,
      keepRecentMessages: compact.keepRecentMessages ?? defaults.autoCompact.keepRecentMessages,
      summaryModelId:
        compact.summaryModelId === undefined ? undefined : qualifyModelId(compact.summaryModelId),
    },
    autoApprove: {
      enabled: file.autoApprove?.enabled ?? defaults.autoApprove.enabled,
      modelId: qualifyModelId(file.autoApprove?.modelId ?? defaults.autoApprove.modelId),
    },
    auditRedaction: { enabled: file.auditRedaction?.enabled ?? defaults.auditRedaction.enabled },
    webSearch: file.webSearch,
    serverCredentials: file.serverCredentials ?? {},
    signal: file.signal,
    preferredDockerAgent: file.preferredDockerAgent ?? defaults.preferredDockerAgent,
    dockerResources: {
      memoryMb: file.dockerResources?.memoryMb ?? defaults.dockerResources.memoryMb,
      cpus: file.dockerResources?.cpus ?? defaults.dockerResources.cpus,
      pids: file.dockerResources?.pids ?? defaults.dockerResources.pids,
    },
  };
}
