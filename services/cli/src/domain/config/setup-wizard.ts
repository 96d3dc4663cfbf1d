import { readMcpConfig } from '@ironcurtain/mcp-config';
import { withoutConfigValue } from '@ironcurtain/user-config';
import type { KeyCheckOutcome, KeyCheckRequest } from './key-check.js';
import type { PromptPort } from './prompt-port.js';
import { chooseAutoApprove, chooseGithubToken, chooseWebSearch, noteSignal } from './setup-extra-steps.js';
import {
  checkKeyStep,
  chooseApiKey,
  chooseModel,
  chooseProvider,
  type ConfigDraft,
} from './setup-model-steps.js';

/** What the wizard asks with and how it checks a key, as plain functions. */
export interface SetupWizardPorts {
  readonly prompt: PromptPort;
  /** Checks the key of a candidate config with one request through an egress (see `checkKeyWithPrivateStack`). */
  checkKey(candidate: ConfigDraft, request: KeyCheckRequest): Promise<KeyCheckOutcome>;
}

/** Where the wizard starts. */
export interface SetupWizardInput {
  /** The existing config.json (unknown keys included), `{}` when there is none: re-running starts from its values. */
  readonly raw: ConfigDraft;
  /** The CLI's environment: a provider key found there makes typing one optional. */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** The variable the shipped GitHub MCP server takes its token from. */
  readonly githubCredentialVariable: string;
}

/** What the wizard ends with: the config to write, and how the key check went. */
export interface SetupWizardResult {
  readonly raw: ConfigDraft;
  readonly keyCheck: KeyCheckOutcome | 'skipped';
}

const maximumKeyAttempts = 3;

/**
 * The first-start wizard: provider (and base URL), API key, default model, a key check through the egress (or
 * skip), web search, GitHub token, auto-approve, and where Signal is set up. Each answer is validated against the
 * config.json schema as it is given. It returns the config to write and writes nothing itself: a cancel (the
 * prompt port rejects with `CANCELLED`) leaves the file as it was.
 */
export async function runSetupWizard(
  ports: SetupWizardPorts,
  input: SetupWizardInput,
): Promise<SetupWizardResult> {
  const { prompt } = ports;
  const chosen = await chooseProvider(prompt, input.raw);
  const provider = chosen.provider;
  let draft = await chooseApiKey(prompt, provider, chosen.draft, input.environment);
  draft = await chooseModel(prompt, provider, draft);
  let keyCheck: KeyCheckOutcome | 'skipped' = 'skipped';
  for (let attempt = 1; attempt <= maximumKeyAttempts; attempt += 1) {
    const checked = await checkKeyStep(prompt, provider, draft, ports.checkKey);
    keyCheck = checked.outcome;
    if (!checked.shouldEnterAgain) break;
    // Typed again: the refused key (in the file or the environment) is not offered to keep.
    const withoutKey = provider.keyField === undefined ? draft : withoutConfigValue(draft, provider.keyField);
    draft = await chooseApiKey(prompt, provider, withoutKey, {});
  }
  draft = await chooseWebSearch(prompt, draft);
  draft = await chooseGithubToken(prompt, draft, input.githubCredentialVariable);
  draft = await chooseAutoApprove(prompt, provider, draft);
  noteSignal(prompt);
  return { raw: draft, keyCheck };
}

/** The shipped GitHub server's default token variable, used when its entry cannot be read. */
export const defaultGithubCredentialVariable = 'GITHUB_PERSONAL_ACCESS_TOKEN';

/** The credential variable the `github` entry of an MCP server config declares (its first). */
export async function githubCredentialVariableOf(mcpConfigPath: string): Promise<string> {
  const config = await readMcpConfig(mcpConfigPath).catch(() => undefined);
  const entry = config?.['github'] as { credentials?: readonly string[] } | undefined;
  return entry?.credentials?.[0] ?? defaultGithubCredentialVariable;
}
