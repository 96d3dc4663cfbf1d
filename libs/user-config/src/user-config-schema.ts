import { parseModelId } from '@ironcurtain/llm';
import { z } from 'zod';

/** The least and most an escalation may wait for a human, in seconds. */
export const escalationTimeoutRange = { minimum: 30, maximum: 600 } as const;

/** Web search providers the fetch server can use. */
export const webSearchProviders = ['brave', 'tavily', 'serpapi'] as const;

/** Agent CLIs that run in containers (`start --agent auto` prefers this one). */
export const dockerAgents = ['claude-code', 'codex'] as const;

/**
 * A model id as the user writes it: `provider:model`, or a bare model name, which means an Anthropic model (as in
 * the original tool's config). {@link qualifyModelId} turns it into the `provider:model` every service takes.
 */
const modelId = z
  .string()
  .min(1)
  .refine(
    (value) => {
      try {
        parseModelId(qualifyModelId(value));
        return true;
      } catch {
        return false;
      }
    },
    {
      message:
        'a model id "provider:model" with provider anthropic, openai, google, ollama or openai-compatible ' +
        '(e.g. "anthropic:claude-sonnet-4-6")',
    },
  );

/** `claude-sonnet-4-6` → `anthropic:claude-sonnet-4-6`; a qualified id stays as it is. */
export function qualifyModelId(value: string): string {
  return value.includes(':') ? value : `anthropic:${value}`;
}

const secret = z.string().min(1, 'must not be empty (remove the key instead)');
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. "https://api.example.com/v1"' });
const budgetLimit = z.number().positive('a positive number, or null for unlimited').nullable().optional();
const phoneNumber = z
  .string()
  .regex(/^\+\d{7,15}$/, 'an E.164 number: + and 7 to 15 digits, e.g. "+15551234567"');

/**
 * The user's `IRONCURTAIN_HOME/config.json`, every key optional (a missing key means its default,
 * {@link userConfigDefaults}). Keys and meanings follow the original IronCurtain's file, so a person's existing file
 * keeps working; `anthropicBaseUrl`…, `ollamaBaseUrl`, `openaiCompatible*` and `dockerResources` are this
 * version's additions. Unknown keys are stripped here and reported as warnings by the loader, never an error.
 */
export const userConfigSchema = z.object({
  agentModelId: modelId.optional(),
  policyModelId: modelId.optional(),
  anthropicApiKey: secret.optional(),
  openaiApiKey: secret.optional(),
  googleApiKey: secret.optional(),
  anthropicBaseUrl: httpUrl.optional(),
  openaiBaseUrl: httpUrl.optional(),
  googleBaseUrl: httpUrl.optional(),
  ollamaBaseUrl: httpUrl.optional(),
  openaiCompatibleBaseUrl: httpUrl.optional(),
  openaiCompatibleApiKey: secret.optional(),
  escalationTimeoutSeconds: z
    .number()
    .int('whole seconds')
    .min(escalationTimeoutRange.minimum, `at least ${escalationTimeoutRange.minimum}`)
    .max(escalationTimeoutRange.maximum, `at most ${escalationTimeoutRange.maximum}`)
    .optional(),
  resourceBudget: z
    .object({
      maxTotalTokens: budgetLimit,
      maxSteps: budgetLimit,
      maxSessionSeconds: budgetLimit,
      maxEstimatedCostUsd: budgetLimit,
      warnThresholdPercent: z.number().int().min(1).max(99).optional(),
    })
    .optional(),
  autoCompact: z
    .object({
      enabled: z.boolean().optional(),
      thresholdTokens: z.number().int().positive().optional(),
      keepRecentMessages: z.number().int().positive().optional(),
      summaryModelId: modelId.optional(),
    })
    .optional(),
  autoApprove: z.object({ enabled: z.boolean().optional(), modelId: modelId.optional() }).optional(),
  auditRedaction: z.object({ enabled: z.boolean().optional() }).optional(),
  webSearch: z
    .object({
      provider: z.enum(webSearchProviders).optional(),
      brave: z.object({ apiKey: secret }).optional(),
      tavily: z.object({ apiKey: secret }).optional(),
      serpapi: z.object({ apiKey: secret }).optional(),
    })
    .optional(),
  serverCredentials: z
    .record(
      z.string().regex(/^[A-Za-z0-9_-]+$/, 'a server name of the MCP config'),
      z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'), secret),
    )
    .optional(),
  signal: z
    .object({
      botNumber: phoneNumber.optional(),
      recipientNumber: phoneNumber.optional(),
      recipientIdentityKey: z.string().min(1).optional(),
      container: z
        .object({
          image: z.string().min(1).optional(),
          port: z.number().int().min(1024).max(65535).optional(),
        })
        .optional(),
      maxConcurrentSessions: z.number().int().min(1).max(10).optional(),
    })
    .optional(),
  preferredDockerAgent: z.enum(dockerAgents).optional(),
  dockerResources: z
    .object({
      memoryMb: z.number().int().min(256).max(262_144).optional(),
      cpus: z.number().positive().max(256).optional(),
      pids: z.number().int().min(64).max(1_000_000).optional(),
    })
    .optional(),
});

/** config.json as written: every key optional. */
export type UserConfigFile = z.output<typeof userConfigSchema>;

/**
 * Keys of the original tool's file that this version reads but does not use (its Goose agent and memory server);
 * reported as "not used", not as unknown.
 */
export const unusedOriginalKeys: ReadonlySet<string> = new Set(['gooseProvider', 'gooseModel', 'memory']);

/** The defaults of every key that has one (the original tool's values). */
export const userConfigDefaults = {
  agentModelId: 'anthropic:claude-sonnet-4-6',
  policyModelId: 'anthropic:claude-sonnet-4-6',
  escalationTimeoutSeconds: 300,
  resourceBudget: {
    maxTotalTokens: 1_000_000,
    maxSteps: 200,
    maxSessionSeconds: 1800,
    maxEstimatedCostUsd: 5,
    warnThresholdPercent: 80,
  },
  autoCompact: { enabled: true, thresholdTokens: 160_000, keepRecentMessages: 10 },
  autoApprove: { enabled: false, modelId: 'anthropic:claude-haiku-4-5' },
  auditRedaction: { enabled: true },
  preferredDockerAgent: 'claude-code',
  dockerResources: { memoryMb: 4096, cpus: 2, pids: 1024 },
} as const;
