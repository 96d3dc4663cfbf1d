import type { LlmProvider } from '@ironcurtain/llm';

/** A model provider as the setup wizard offers it. */
export interface SetupProvider {
  readonly id: LlmProvider;
  readonly label: string;
  /** The config.json key of its API key; absent for a provider that needs none (Ollama). */
  readonly keyField?: string;
  /** Whether the provider works without a key (a local server, or a gateway that needs none). */
  readonly isKeyOptional: boolean;
  /** Variables the egress reads its key from: a key there makes typing one optional. */
  readonly keyVariables: readonly string[];
  /** The config.json key of its base URL, for providers that are reached at one the person names. */
  readonly baseUrlField?: string;
  readonly defaultBaseUrl?: string;
  /** Model names offered as the default model (`provider:` is put in front); the first is the suggestion. */
  readonly models: readonly string[];
  /** A small, cheap model of this provider (the auto-approver's, when this provider is chosen). */
  readonly smallModel?: string;
}

/** The providers `ironcurtain setup` offers, in the order shown. */
export const setupProviders: readonly SetupProvider[] = [
  {
    id: 'anthropic',
    label: 'Anthropic (Claude)',
    keyField: 'anthropicApiKey',
    isKeyOptional: false,
    keyVariables: ['ANTHROPIC_API_KEY'],
    models: ['claude-sonnet-4-6', 'claude-opus-4-5', 'claude-haiku-4-5'],
    smallModel: 'claude-haiku-4-5',
  },
  {
    id: 'openai',
    label: 'OpenAI',
    keyField: 'openaiApiKey',
    isKeyOptional: false,
    keyVariables: ['OPENAI_API_KEY'],
    models: ['gpt-4.1', 'gpt-5', 'gpt-4.1-mini'],
    smallModel: 'gpt-4.1-mini',
  },
  {
    id: 'google',
    label: 'Google (Gemini)',
    keyField: 'googleApiKey',
    isKeyOptional: false,
    keyVariables: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'],
    models: ['gemini-2.5-pro', 'gemini-2.5-flash'],
    smallModel: 'gemini-2.5-flash',
  },
  {
    id: 'ollama',
    label: 'Ollama (a local model server, no key)',
    isKeyOptional: true,
    keyVariables: [],
    baseUrlField: 'ollamaBaseUrl',
    defaultBaseUrl: 'http://127.0.0.1:11434/v1',
    models: ['llama3.1', 'qwen2.5-coder'],
  },
  {
    id: 'openai-compatible',
    label: 'OpenAI-compatible endpoint (LiteLLM, OpenRouter, vLLM)',
    keyField: 'openaiCompatibleApiKey',
    isKeyOptional: true,
    keyVariables: ['OPENAI_COMPATIBLE_API_KEY'],
    baseUrlField: 'openaiCompatibleBaseUrl',
    models: [],
  },
];

/** The provider of a `provider:model` id (a bare name is Anthropic's), or undefined for one setup does not offer. */
export function setupProviderOf(modelId: unknown): SetupProvider | undefined {
  if (typeof modelId !== 'string') return undefined;
  const provider = modelId.includes(':') ? modelId.slice(0, modelId.indexOf(':')) : 'anthropic';
  return setupProviders.find((candidate) => candidate.id === provider);
}
