import type { BudgetLimit, ResolvedUserConfig } from './resolve-user-config.js';

/** The environment each service is started with from config.json, by service name. */
export type ServiceSettings = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Settings the CLI itself uses (its compile commands and `start --agent auto`), not handed to any service. */
export interface CliSettings {
  readonly policyModelId: string;
  readonly preferredDockerAgent: 'claude-code' | 'codex';
}

/**
 * The variables that carry a secret, by the only service that receives them. Provider keys go to mitm-egress alone
 * (agents and the orchestrator hold sentinels); server credentials and web-search keys to the mcp-gateway alone,
 * which hands each server only its own.
 */
export const secretVariablesByService: Readonly<Record<string, readonly string[]>> = {
  'mitm-egress': ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GOOGLE_API_KEY', 'OPENAI_COMPATIBLE_API_KEY'],
  'mcp-gateway': ['MCPGW_SERVER_CREDENTIALS'],
};

const limitText = (limit: BudgetLimit): string => (limit === null ? 'null' : String(limit));

function withoutUndefined(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/**
 * What config.json means for each service, as the environment variables the service already reads (each
 * service's README lists them). A service receives only its own: the supervisor (`ironcurtain up`) puts these
 * under the variables of its own environment, which win, and the compose deployment writes them to `.env`.
 */
export function serviceSettingsOf(config: ResolvedUserConfig): ServiceSettings {
  return {
    'session-orchestrator': orchestratorSettings(config),
    'escalation-router': {
      ESCALATION_TIMEOUT_SECONDS: String(config.escalationTimeoutSeconds),
      ESCALATION_AUTO_APPROVE: String(config.autoApprove.enabled),
      ESCALATION_AUTO_APPROVE_MODEL: config.autoApprove.modelId,
    },
    'audit-writer': { AUDIT_REDACTION: config.auditRedaction.enabled ? 'on' : 'off' },
    'mitm-egress': egressSettings(config),
    'mcp-gateway': gatewaySettings(config),
    'policy-decision-point': {},
    'signal-bridge': signalSettings(config),
  };
}

/** The CLI's own share of config.json. */
export function cliSettingsOf(config: ResolvedUserConfig): CliSettings {
  return { policyModelId: config.policyModelId, preferredDockerAgent: config.preferredDockerAgent };
}

function orchestratorSettings(config: ResolvedUserConfig): Record<string, string> {
  const budget = config.resourceBudget;
  const compact = config.autoCompact;
  return withoutUndefined({
    ORCH_DEFAULT_MODEL: config.agentModelId,
    ORCH_BUDGET_TOKENS: limitText(budget.maxTotalTokens),
    ORCH_BUDGET_STEPS: limitText(budget.maxSteps),
    ORCH_BUDGET_MINUTES: limitText(budget.maxSessionSeconds === null ? null : budget.maxSessionSeconds / 60),
    ORCH_BUDGET_COST_USD: limitText(budget.maxEstimatedCostUsd),
    ORCH_BUDGET_WARN_PERCENT: String(budget.warnThresholdPercent),
    ORCH_AUTO_COMPACT_ENABLED: String(compact.enabled),
    ORCH_AUTO_COMPACT_THRESHOLD_TOKENS: String(compact.thresholdTokens),
    ORCH_AUTO_COMPACT_KEEP_RECENT_MESSAGES: String(compact.keepRecentMessages),
    ORCH_AUTO_COMPACT_MODEL: compact.summaryModelId,
    ORCH_AGENT_MEMORY_MB: String(config.dockerResources.memoryMb),
    ORCH_AGENT_CPUS: String(config.dockerResources.cpus),
    ORCH_AGENT_PIDS: String(config.dockerResources.pids),
  });
}

function egressSettings(config: ResolvedUserConfig): Record<string, string> {
  const compatible = [
    ...(config.baseUrls.ollama === undefined ? [] : [{ name: 'ollama', baseUrl: config.baseUrls.ollama }]),
    ...(config.baseUrls.openaiCompatible === undefined
      ? []
      : [
          {
            name: 'openai-compatible',
            baseUrl: config.baseUrls.openaiCompatible,
            ...(config.apiKeys.openaiCompatible === undefined
              ? {}
              : { apiKeyEnv: 'OPENAI_COMPATIBLE_API_KEY' }),
          },
        ]),
  ];
  return withoutUndefined({
    ANTHROPIC_API_KEY: config.apiKeys.anthropic,
    OPENAI_API_KEY: config.apiKeys.openai,
    GOOGLE_API_KEY: config.apiKeys.google,
    OPENAI_COMPATIBLE_API_KEY: config.apiKeys.openaiCompatible,
    EGRESS_ANTHROPIC_BASE_URL: config.baseUrls.anthropic,
    EGRESS_OPENAI_BASE_URL: config.baseUrls.openai,
    EGRESS_GOOGLE_BASE_URL: config.baseUrls.google,
    EGRESS_OPENAI_COMPATIBLE: compatible.length === 0 ? undefined : JSON.stringify(compatible),
  });
}

// Web search keys are the fetch server's credentials: the gateway hands them to that server alone.
function gatewaySettings(config: ResolvedUserConfig): Record<string, string> {
  const search = config.webSearch;
  const searchCredentials = withoutUndefined({
    WEB_SEARCH_PROVIDER: search?.provider,
    BRAVE_API_KEY: search?.brave?.apiKey,
    TAVILY_API_KEY: search?.tavily?.apiKey,
    SERPAPI_API_KEY: search?.serpapi?.apiKey,
  });
  const credentials: Record<string, Record<string, string>> = { ...config.serverCredentials };
  if (Object.keys(searchCredentials).length > 0) {
    credentials['fetch'] = { ...searchCredentials, ...credentials['fetch'] };
  }
  return Object.keys(credentials).length === 0
    ? {}
    : { MCPGW_SERVER_CREDENTIALS: JSON.stringify(credentials) };
}

/**
 * The signal-cli-rest-api the CLI runs on a workstation when config.json says nothing else (`signal.container`): the
 * image is pinned to a release of bbernhard/signal-cli-rest-api, and its port is bound on 127.0.0.1 only.
 */
export const signalContainerDefaults = { image: 'bbernhard/signal-cli-rest-api:0.100', port: 8080 } as const;

/**
 * The variable that tells the signal-bridge (and the CLI's Signal commands) where signal-cli-rest-api answers. It is
 * not a setting of config.json: whoever runs the bridge decides it — `ironcurtain up` and `ironcurtain bot` the
 * loopback URL of the container they manage ({@link localSignalApiUrl}), the compose file the service's name — and a
 * value set in the CLI's environment wins over both (no container is managed then).
 */
export const signalApiUrlVariable = 'SIGNAL_API_URL';

/** True when config.json configures Signal: `signal.botNumber` is set (`ironcurtain setup-signal` writes it). */
export function isSignalConfigured(config: ResolvedUserConfig): boolean {
  return config.signal?.botNumber !== undefined;
}

/** The image and host port of the signal-cli-rest-api container, config.json's or {@link signalContainerDefaults}. */
export function signalContainerOf(config: ResolvedUserConfig): { image: string; port: number } {
  return {
    image: config.signal?.container?.image ?? signalContainerDefaults.image,
    port: config.signal?.container?.port ?? signalContainerDefaults.port,
  };
}

/** `http://127.0.0.1:<port>`: where the container the CLI runs answers on this machine. */
export function localSignalApiUrl(config: ResolvedUserConfig): string {
  return `http://127.0.0.1:${signalContainerOf(config).port}`;
}

function signalSettings(config: ResolvedUserConfig): Record<string, string> {
  const signal = config.signal;
  return withoutUndefined({
    SIGNAL_BOT_NUMBER: signal?.botNumber,
    SIGNAL_RECIPIENT_NUMBER: signal?.recipientNumber,
    SIGNAL_RECIPIENT_IDENTITY_KEY: signal?.recipientIdentityKey,
    SIGNAL_CONTAINER_IMAGE: signal?.container?.image,
    SIGNAL_CONTAINER_PORT: signal?.container?.port === undefined ? undefined : String(signal.container.port),
    SIGNAL_MAX_CONCURRENT_SESSIONS:
      signal?.maxConcurrentSessions === undefined ? undefined : String(signal.maxConcurrentSessions),
  });
}
