import { join } from 'node:path';
import { createLanguageModel, providerEnvironment } from '@ironcurtain/llm';
import {
  createContentCache,
  createInteractionLog,
  createLlmClient,
  type AskContext,
  type LlmClient,
} from '@ironcurtain/policy-compiler';

/** The model compile commands use unless `--model` or IRONCURTAIN_POLICY_MODEL says otherwise. */
export const defaultPolicyModel = 'anthropic:claude-sonnet-4-6';

/** The file every LLM exchange of the compile commands is appended to. */
export const interactionLogName = 'llm-interactions.jsonl';

/**
 * The model, cache and interaction log of a compile command. The CLI is trusted: it hands the provider keys and base
 * URLs from its environment to the client explicitly. The model is built on the first call, so a run answered
 * entirely from the cache needs no API key.
 */
export function createCompileAskContext(
  env: Record<string, string | undefined>,
  workDir: string,
  model: string | undefined,
): AskContext & { llm: LlmClient; logFile: string } {
  const modelId = model ?? nonEmpty(env['IRONCURTAIN_POLICY_MODEL']) ?? defaultPolicyModel;
  const logFile = join(workDir, interactionLogName);
  const log = createInteractionLog(logFile);
  let client: LlmClient | undefined;
  const connect = (): LlmClient =>
    (client ??= createLlmClient({
      model: createLanguageModel({
        modelId,
        apiKeys: {
          anthropic: nonEmpty(env[providerEnvironment.anthropic.apiKey]),
          openai: nonEmpty(env[providerEnvironment.openai.apiKey]),
        },
        baseUrls: {
          anthropic: nonEmpty(env[providerEnvironment.anthropic.baseUrl]),
          openai: nonEmpty(env[providerEnvironment.openai.baseUrl]),
        },
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
