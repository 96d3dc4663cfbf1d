export { createLanguageModel } from './create-language-model.js';
export type { LanguageModelSettings } from './create-language-model.js';
export {
  createEgressLanguageModel,
  createLanguageModelThroughEgress,
  egressBaseUrls,
} from './egress-model.js';
export type { EgressLanguageModelSettings } from './egress-model.js';
export {
  defaultBaseUrls,
  isLlmProvider,
  keylessProviders,
  llmProviders,
  parseModelId,
  providerEnvironment,
} from './model-id.js';
export type { LlmProvider, ModelId } from './model-id.js';
