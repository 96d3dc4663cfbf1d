import { configValueAt, maskSecret, withConfigValue, withoutConfigValue } from '@ironcurtain/user-config';
import { acceptedAt, asText } from './config-values.js';
import type { KeyCheckOutcome, KeyCheckRequest } from './key-check.js';
import type { PromptChoice, PromptPort } from './prompt-port.js';
import { setupProviderOf, setupProviders, type SetupProvider } from './setup-providers.js';

/** A config.json being filled in by the wizard (validated at every step). */
export type ConfigDraft = Record<string, unknown>;

/** The model provider: asked with the current default model's provider first, then its base URL where it has one. */
export async function chooseProvider(
  prompt: PromptPort,
  draft: ConfigDraft,
): Promise<{ provider: SetupProvider; draft: ConfigDraft }> {
  const current = setupProviderOf(draft['agentModelId']) ?? setupProviders[0];
  const choice = await prompt.select(
    'Which model provider should agents use?',
    setupProviders.map((provider) => ({ value: provider.id, label: provider.label })),
    current?.id,
  );
  const provider = setupProviders.find((candidate) => candidate.id === choice) as SetupProvider;
  if (provider.baseUrlField === undefined) return { provider, draft };
  const existing = configValueAt(draft, provider.baseUrlField);
  const initialValue = typeof existing === 'string' ? existing : provider.defaultBaseUrl;
  const baseUrl = await prompt.text(`The base URL of its API (${provider.baseUrlField})`, {
    ...(initialValue === undefined ? {} : { initialValue }),
    placeholder: 'https://llm.example.com/v1',
    check: acceptedAt(draft, provider.baseUrlField, asText),
  });
  return { provider, draft: withConfigValue(draft, provider.baseUrlField, baseUrl.trim()) };
}

/**
 * The provider's API key, typed masked. Keeping the key already in config.json, or using the one in the
 * environment (not written to the file), are offered when there is one; a provider that needs no key may have none.
 */
export async function chooseApiKey(
  prompt: PromptPort,
  provider: SetupProvider,
  draft: ConfigDraft,
  environment: Readonly<Record<string, string | undefined>>,
): Promise<ConfigDraft> {
  const field = provider.keyField;
  if (field === undefined) return draft;
  const stored = configValueAt(draft, field);
  const variable = provider.keyVariables.find((name) => (environment[name] ?? '') !== '');
  const choices: PromptChoice<'keep' | 'environment' | 'enter' | 'none'>[] = [
    ...(typeof stored === 'string'
      ? [{ value: 'keep' as const, label: `keep the key in config.json (${maskSecret(stored)})` }]
      : []),
    ...(variable === undefined
      ? []
      : [
          {
            value: 'environment' as const,
            label: `use ${variable} from the environment (not written to config.json)`,
          },
        ]),
    { value: 'enter' as const, label: 'enter a key (typed hidden)' },
    ...(provider.isKeyOptional ? [{ value: 'none' as const, label: 'no key' }] : []),
  ];
  const answer =
    choices.length === 1 ? 'enter' : await prompt.select(`The ${provider.label} API key`, choices);
  if (answer === 'keep' || answer === 'environment') return draft;
  if (answer === 'none') return withoutConfigValue(draft, field);
  const key = await prompt.secret(`Paste the ${provider.label} API key (${field})`, {
    check: acceptedAt(draft, field, asText),
  });
  return withConfigValue(draft, field, key.trim());
}

/** The default model (`agentModelId`): the provider's usual models, or another typed as its name. */
export async function chooseModel(
  prompt: PromptPort,
  provider: SetupProvider,
  draft: ConfigDraft,
): Promise<ConfigDraft> {
  const current = draft['agentModelId'];
  const offered = provider.models.map((model) => `${provider.id}:${model}`);
  let modelId: string;
  const choice =
    offered.length === 0
      ? 'other'
      : await prompt.select(
          'The default model of a session (agentModelId)',
          [
            ...offered.map((id) => ({ value: id, label: id })),
            { value: 'other', label: 'other…', hint: 'type its name' },
          ],
          typeof current === 'string' && offered.includes(current) ? current : offered[0],
        );
  if (choice === 'other') {
    const typed = await prompt.text(`The model's name at ${provider.label} (without "${provider.id}:")`, {
      check: acceptedAt(draft, 'agentModelId', (answer) => `${provider.id}:${answer.trim()}`),
    });
    modelId = `${provider.id}:${typed.trim()}`;
  } else {
    modelId = choice;
  }
  let next = withConfigValue(draft, 'agentModelId', modelId);
  // The compiler's and the auto-approver's defaults are Anthropic models: without Anthropic, they follow the choice.
  if (provider.id !== 'anthropic' && next['policyModelId'] === undefined)
    next = withConfigValue(next, 'policyModelId', modelId);
  return next;
}

/** Checks the key now (one request through the egress), or skips when offline; offers to type it again if refused. */
export async function checkKeyStep(
  prompt: PromptPort,
  provider: SetupProvider,
  draft: ConfigDraft,
  checkKey: (candidate: ConfigDraft, request: KeyCheckRequest) => Promise<KeyCheckOutcome>,
): Promise<{ draft: ConfigDraft; outcome: KeyCheckOutcome | 'skipped'; shouldEnterAgain: boolean }> {
  const choice = await prompt.select('Check the key now?', [
    { value: 'check', label: 'check it: one cheap request through a private IronCurtain egress' },
    { value: 'skip', label: 'skip (offline)' },
  ]);
  if (choice === 'skip') return { draft, outcome: 'skipped', shouldEnterAgain: false };
  const modelId = String(draft['agentModelId']);
  const model = modelId.slice(modelId.indexOf(':') + 1);
  prompt.note('starting a private IronCurtain stack for the check (a few seconds)…');
  const outcome = await checkKey(draft, { provider: provider.id, model });
  prompt.note(`${outcome.kind}: ${outcome.detail}`, 'key check');
  if (outcome.kind !== 'refused' || provider.keyField === undefined)
    return { draft, outcome, shouldEnterAgain: false };
  const next = await prompt.select('The provider refused the key.', [
    { value: 'again', label: 'enter the key again' },
    { value: 'keep', label: 'keep it anyway' },
  ]);
  return { draft, outcome, shouldEnterAgain: next === 'again' };
}
