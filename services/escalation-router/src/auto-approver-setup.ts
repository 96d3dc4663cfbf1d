import { createLanguageModel } from '@ironcurtain/llm';
import type { Logger } from '@ironcurtain/log';
import type { Config } from './config.js';
import { mergeAutoApproveSettings, readFileSettings } from './domain/auto-approve-settings.js';
import { createAutoApprover, type AutoApprover } from './domain/auto-approver.js';

/**
 * The auto-approver when config.json or the environment turns it on, else undefined. A configuration it cannot use
 * (bad model id, missing API key, unreadable config.json) is logged as an error and leaves it off: every ticket then
 * goes to a human, which is safe, and the router keeps answering.
 */
export async function startAutoApprover(
  config: Config,
  home: string,
  logger: Logger,
): Promise<AutoApprover | undefined> {
  const file = await readFileSettings(home);
  if (file.problem !== undefined)
    logger.error({ problem: file.problem }, 'config.json: auto-approver stays off');
  const settings = mergeAutoApproveSettings(file, {
    enabled: config.ESCALATION_AUTO_APPROVE,
    modelId: config.ESCALATION_AUTO_APPROVE_MODEL,
  });
  if (!settings.isEnabled) return undefined;
  try {
    const model = createLanguageModel({
      modelId: settings.modelId,
      apiKeys: { anthropic: config.ANTHROPIC_API_KEY, openai: config.OPENAI_API_KEY },
      baseUrls: { anthropic: config.ANTHROPIC_BASE_URL, openai: config.OPENAI_BASE_URL },
    });
    logger.info({ modelId: settings.modelId }, 'auto-approver on');
    return createAutoApprover({
      model,
      modelId: settings.modelId,
      timeoutMs: config.ESCALATION_AUTO_APPROVE_TIMEOUT_MS,
      onError: (error) =>
        logger.warn({ err: (error as Error).message }, 'auto-approver failed; a human decides'),
    });
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'auto-approver stays off');
    return undefined;
  }
}
