import { join } from 'node:path';
import { createLanguageModel, llmProviders, providerEnvironment, type LlmProvider } from '@ironcurtain/llm';
import { cliSettingsOf, loadUserConfig } from '@ironcurtain/user-config';
import {
  createContentCache,
  createInteractionLog,
  createLlmClient,
  type AskContext,
  type LlmClient,
} from '@ironcurtain/policy-compiler';
import type { TextOutput } from '../../cli-context.js';

/** The model compile commands use unless `--model`, IRONCURTAIN_POLICY_MODEL or config.json says otherwise. */
export const defaultPolicyModel = 'anthropic:claude-sonnet-4-6';

/** What config.json says for the compile commands: the model, and the provider keys and base URLs. */
export interface ConfiguredCompileModel {
  readonly modelId: string;
  readonly apiKeys: Partial<Record<LlmProvider, string | undefined>>;
  readonly baseUrls: Partial<Record<LlmProvider, string | undefined>>;
}

/**
 * config.json's share for the compile commands, which call the model from this trusted process: `policyModelId`
 * (the default when the file does not set it) and the keys and base URLs of the file. Warnings about the file are
 * written to `stderr`; an invalid file is a `CONFIG_INVALID` error naming every bad key.
 */
export async function configuredCompileModel(
  home: string,
  stderr: TextOutput,
): Promise<ConfiguredCompileModel> {
  const loaded = await loadUserConfig(home);
  for (const warning of loaded.warnings) stderr.write(`ironcurtain: warning: ${warning}\n`);
  const { apiKeys, baseUrls } = loaded.config;
  return {
    modelId: cliSettingsOf(loaded.config).policyModelId,
    apiKeys: {
      anthropic: apiKeys.anthropic,
      openai: apiKeys.openai,
      google: apiKeys.google,
      'openai-compatible': apiKeys.openaiCompatible,
    },
    baseUrls: {
      anthropic: baseUrls.anthropic,
      openai: baseUrls.openai,
      google: baseUrls.google,
      ollama: baseUrls.ollama,
      'openai-compatible': baseUrls.openaiCompatible,
    },
  };
}

/** The file every LLM exchange of the compile commands is appended to. */
export const interactionLogName = 'llm-interactions.jsonl';

/**
 * The model, cache and interaction log of a compile command. The model is `--model`, else IRONCURTAIN_POLICY_MODEL,
 * else config.json's `policyModelId` ({@link configuredCompileModel}), else {@link defaultPolicyModel}. The CLI is
 * trusted: it hands the provider keys and base URLs (its environment, else config.json) to the client explicitly.
 * The model is built on the first call, so a run answered entirely from the cache needs no API key.
 */
export function createCompileAskContext(
  env: Record<string, string | undefined>,
  workDir: string,
  model: string | undefined,
  configured?: ConfiguredCompileModel,
): AskContext & { llm: LlmClient; logFile: string } {
  const modelId =
    model ?? nonEmpty(env['IRONCURTAIN_POLICY_MODEL']) ?? configured?.modelId ?? defaultPolicyModel;
  const logFile = join(workDir, interactionLogName);
  const log = createInteractionLog(logFile);
  let client: LlmClient | undefined;
  const connect = (): LlmClient =>
    (client ??= createLlmClient({
      model: createLanguageModel({
        modelId,
        apiKeys: fromEnvironmentOrFile(env, 'apiKey', configured?.apiKeys),
        baseUrls: fromEnvironmentOrFile(env, 'baseUrl', configured?.baseUrls),
      }),
      modelId,
      onInteraction: (interaction) => log.record(interaction),
    }));
  const llm: LlmClient = {
    modelId,
    get callCount() {
      return client?.callCount ?? 0;
    },
    complete: (exchange) => connect().complete(exchange),
  };
  return { llm, cache: createContentCache(join(workDir, 'cache')), logFile };
}

// Each provider's conventional variable (ANTHROPIC_API_KEY, …) wins over config.json.
function fromEnvironmentOrFile(
  env: Record<string, string | undefined>,
  kind: 'apiKey' | 'baseUrl',
  fromFile: Partial<Record<LlmProvider, string | undefined>> | undefined,
): Partial<Record<LlmProvider, string | undefined>> {
  return Object.fromEntries(
    llmProviders.map((provider) => [
      provider,
      nonEmpty(env[providerEnvironment[provider][kind]]) ?? fromFile?.[provider],
    ]),
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
