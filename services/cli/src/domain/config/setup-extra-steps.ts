import {
  configValueAt,
  maskSecret,
  webSearchProviders,
  withConfigValue,
  withoutConfigValue,
} from '@ironcurtain/user-config';
import { acceptedAt, asText } from './config-values.js';
import type { PromptChoice, PromptPort } from './prompt-port.js';
import type { ConfigDraft } from './setup-model-steps.js';
import type { SetupProvider } from './setup-providers.js';

type WebSearchChoice = (typeof webSearchProviders)[number] | 'none';

/** The web search provider of the fetch server's `web_search` tool and its key, or none. */
export async function chooseWebSearch(prompt: PromptPort, draft: ConfigDraft): Promise<ConfigDraft> {
  const current = configValueAt(draft, 'webSearch.provider');
  const choice = await prompt.select<WebSearchChoice>(
    "Web search for agents (the fetch server's web_search tool)",
    [
      ...webSearchProviders.map((name) => ({ value: name, label: name })),
      { value: 'none', label: 'none', hint: 'web_search answers that no provider is set' },
    ],
    typeof current === 'string' ? (current as WebSearchChoice) : 'none',
  );
  if (choice === 'none') {
    return current === undefined ? draft : withoutConfigValue(draft, 'webSearch.provider');
  }
  const keyPath = `webSearch.${choice}.apiKey`;
  const withProvider = withConfigValue(draft, 'webSearch.provider', choice);
  const key = await keepOrEnterSecret(prompt, withProvider, keyPath, `the ${choice} API key`);
  const next = key === undefined ? withProvider : withConfigValue(withProvider, keyPath, key);
  if (configValueAt(next, keyPath) === undefined) {
    prompt.note(
      `${choice} has no key yet: web_search will fail until \`ironcurtain config set ${keyPath} KEY\``,
    );
  }
  return next;
}

/**
 * The GitHub token for the shipped GitHub MCP server, stored as `serverCredentials.github.<variable>` where the
 * variable is the credential the server's entry declares (the gateway hands it to that server alone).
 */
export async function chooseGithubToken(
  prompt: PromptPort,
  draft: ConfigDraft,
  variable: string,
): Promise<ConfigDraft> {
  const keyPath = `serverCredentials.github.${variable}`;
  const stored = configValueAt(draft, keyPath);
  const choices: PromptChoice<'keep' | 'enter' | 'remove' | 'none'>[] = [
    ...(typeof stored === 'string'
      ? [{ value: 'keep' as const, label: `keep the token (${maskSecret(stored)})` }]
      : []),
    {
      value: 'enter',
      label: 'enter a token (typed hidden)',
      hint: 'a fine-grained token, read-only is enough to start',
    },
    ...(typeof stored === 'string'
      ? [{ value: 'remove' as const, label: 'remove the token (the GitHub server does not start)' }]
      : [{ value: 'none' as const, label: 'no GitHub (the GitHub server does not start)' }]),
  ];
  const answer = await prompt.select('A GitHub token for the GitHub MCP server?', choices);
  if (answer === 'keep' || answer === 'none') return draft;
  if (answer === 'remove') return withoutConfigValue(draft, keyPath);
  const token = await prompt.secret(`Paste the GitHub token (${variable})`, {
    check: acceptedAt(draft, keyPath, asText),
  });
  return withConfigValue(draft, keyPath, token.trim());
}

/** Auto-approve on or off; on with a provider other than Anthropic, its small model does the approving. */
export async function chooseAutoApprove(
  prompt: PromptPort,
  provider: SetupProvider,
  draft: ConfigDraft,
): Promise<ConfigDraft> {
  const current = configValueAt(draft, 'autoApprove.enabled') === true;
  prompt.note(
    'Auto-approve lets a model approve an escalated call only when your latest message clearly asked for it;\n' +
      'it never denies, and anything unclear still comes to you.',
  );
  const isEnabled = await prompt.confirm('Turn auto-approve on?', current);
  let next = withConfigValue(draft, 'autoApprove.enabled', isEnabled);
  const hasModel = configValueAt(next, 'autoApprove.modelId') !== undefined;
  if (isEnabled && !hasModel && provider.id !== 'anthropic' && provider.smallModel !== undefined) {
    next = withConfigValue(next, 'autoApprove.modelId', `${provider.id}:${provider.smallModel}`);
  }
  return next;
}

/** Signal is set up by its own command. */
export function noteSignal(prompt: PromptPort): void {
  prompt.note('Signal (approvals and tasks from your phone): later, with `ironcurtain setup-signal`.');
}

async function keepOrEnterSecret(
  prompt: PromptPort,
  draft: ConfigDraft,
  keyPath: string,
  what: string,
): Promise<string | undefined> {
  const stored = configValueAt(draft, keyPath);
  if (typeof stored === 'string') {
    const answer = await prompt.select(`Keep ${what}?`, [
      { value: 'keep', label: `keep it (${maskSecret(stored)})` },
      { value: 'enter', label: 'enter another (typed hidden)' },
    ]);
    if (answer === 'keep') return undefined;
  }
  const typed = await prompt.secret(`Paste ${what} (empty: none for now)`, {
    check: (answer) => (answer.trim() === '' ? undefined : acceptedAt(draft, keyPath, asText)(answer)),
  });
  return typed.trim() === '' ? undefined : typed.trim();
}
