// The setup wizard's steps and the config editor, driven without a terminal by a scripted prompt port: what each
// answer writes into config.json, that re-running starts from the file, that refused values are asked again, and
// that a cancel ends with nothing to write.
import { shippedMcpConfigPath } from '@ironcurtain/default-policy';
import { describe, expect, it } from 'vitest';
import { runConfigEditor } from '../src/domain/config/config-editor.js';
import type { KeyCheckOutcome, KeyCheckRequest } from '../src/domain/config/key-check.js';
import { githubCredentialVariableOf, runSetupWizard } from '../src/domain/config/setup-wizard.js';
import { scriptedPromptPort, type ScriptedAnswer } from './scripted-prompt-port.js';

const noCheck = (): Promise<KeyCheckOutcome> => Promise.reject(new Error('the key check was not chosen'));

async function wizard(
  answers: ScriptedAnswer[],
  input: { raw?: Record<string, unknown>; environment?: Record<string, string> } = {},
  checkKey: (
    candidate: Record<string, unknown>,
    request: KeyCheckRequest,
  ) => Promise<KeyCheckOutcome> = noCheck,
) {
  const prompt = scriptedPromptPort(answers);
  const result = await runSetupWizard(
    { prompt, checkKey },
    {
      raw: input.raw ?? {},
      environment: input.environment ?? {},
      githubCredentialVariable: 'GITHUB_PERSONAL_ACCESS_TOKEN',
    },
  );
  expect(prompt.remaining()).toBe(0);
  return { ...result, prompt };
}

describe('ironcurtain setup, step by step', () => {
  it('writes what a first run answers: provider, key, model, web search, GitHub token, auto-approve', async () => {
    const { raw, keyCheck, prompt } = await wizard([
      { select: 'anthropic' },
      { secret: 'sk-ant-typed-key' },
      { select: 'anthropic:claude-opus-4-5' },
      { select: 'skip' },
      { select: 'brave' },
      { secret: 'brave-key-123' },
      { select: 'enter' },
      { secret: 'github_pat_123' },
      { confirm: true },
    ]);
    expect(raw).toEqual({
      anthropicApiKey: 'sk-ant-typed-key',
      agentModelId: 'anthropic:claude-opus-4-5',
      webSearch: { provider: 'brave', brave: { apiKey: 'brave-key-123' } },
      serverCredentials: { github: { GITHUB_PERSONAL_ACCESS_TOKEN: 'github_pat_123' } },
      autoApprove: { enabled: true },
    });
    expect(keyCheck).toBe('skipped');
    expect(prompt.notes.join('\n')).toContain('ironcurtain setup-signal');
    // The key was asked masked: no text prompt took it.
    expect(prompt.questions.find((question) => question.message.includes('API key'))?.kind).toBe('secret');
  });

  it('starts a re-run from the file: its provider first, its key kept, its unknown keys untouched', async () => {
    const existing = {
      agentModelId: 'openai:gpt-4.1',
      openaiApiKey: 'sk-existing-openai',
      webSearch: { provider: 'tavily', tavily: { apiKey: 'tvly-1' } },
      somethingNewer: { keep: true },
    };
    const { raw, prompt } = await wizard(
      [
        { select: 'openai' },
        { select: 'keep' },
        { select: 'openai:gpt-4.1' },
        { select: 'skip' },
        { select: 'tavily' },
        { select: 'keep' },
        { select: 'none' },
        { confirm: false },
      ],
      { raw: existing },
    );
    const [provider, key, model] = prompt.questions;
    expect(provider?.initialValue).toBe('openai');
    expect(key?.choices).toEqual(['keep', 'enter']);
    expect(model?.initialValue).toBe('openai:gpt-4.1');
    expect(raw).toEqual({
      ...existing,
      policyModelId: 'openai:gpt-4.1',
      autoApprove: { enabled: false },
    });
  });

  it('offers the key in the environment instead of typing one, and then stores none', async () => {
    const { raw, prompt } = await wizard(
      [
        { select: 'anthropic' },
        { select: 'environment' },
        { select: 'anthropic:claude-sonnet-4-6' },
        { select: 'skip' },
        { select: 'none' },
        { select: 'none' },
        { confirm: false },
      ],
      { environment: { ANTHROPIC_API_KEY: 'sk-ant-from-env' } },
    );
    expect(prompt.questions[1]?.choices).toEqual(['environment', 'enter']);
    expect(JSON.stringify(raw)).not.toContain('sk-ant-from-env');
    expect(raw['anthropicApiKey']).toBeUndefined();
  });

  it('checks the key, and after "the provider refused the key" takes a new one and checks that', async () => {
    const checks: Array<{ key: unknown; request: KeyCheckRequest }> = [];
    const outcomes: KeyCheckOutcome[] = [
      { kind: 'refused', detail: 'the provider refused the key (HTTP 401)' },
      { kind: 'ok', detail: 'anthropic accepted the key' },
    ];
    const { raw, keyCheck, prompt } = await wizard(
      [
        { select: 'anthropic' },
        { secret: 'sk-ant-wrong' },
        { select: 'anthropic:claude-haiku-4-5' },
        { select: 'check' },
        { select: 'again' },
        { secret: 'sk-ant-right' },
        { select: 'check' },
        { select: 'none' },
        { select: 'none' },
        { confirm: false },
      ],
      {},
      (candidate, request) => {
        checks.push({ key: candidate['anthropicApiKey'], request });
        return Promise.resolve(outcomes.shift() as KeyCheckOutcome);
      },
    );
    expect(checks).toEqual([
      { key: 'sk-ant-wrong', request: { provider: 'anthropic', model: 'claude-haiku-4-5' } },
      { key: 'sk-ant-right', request: { provider: 'anthropic', model: 'claude-haiku-4-5' } },
    ]);
    expect(keyCheck).toEqual({ kind: 'ok', detail: 'anthropic accepted the key' });
    expect(raw['anthropicApiKey']).toBe('sk-ant-right');
    expect(prompt.notes.join('\n')).toContain('refused: the provider refused the key');
  });

  it('asks an Ollama base URL again until it is one, takes a typed model, and asks no key', async () => {
    const { raw, prompt } = await wizard([
      { select: 'ollama' },
      { text: 'not a url' },
      { text: 'http://127.0.0.1:11434/v1' },
      { select: 'other' },
      { text: 'llama3.1:8b' },
      { select: 'skip' },
      { select: 'none' },
      { select: 'none' },
      { confirm: true },
    ]);
    expect(prompt.refusals).toEqual([expect.stringContaining('ollamaBaseUrl: an http(s) URL')]);
    expect(prompt.questions.some((question) => question.kind === 'secret')).toBe(false);
    expect(raw).toEqual({
      ollamaBaseUrl: 'http://127.0.0.1:11434/v1',
      agentModelId: 'ollama:llama3.1:8b',
      policyModelId: 'ollama:llama3.1:8b',
      autoApprove: { enabled: true },
    });
  });

  it('ends with a CANCELLED error when the person cancels, so nothing is written', async () => {
    const prompt = scriptedPromptPort([{ select: 'anthropic' }, 'cancel']);
    await expect(
      runSetupWizard(
        { prompt, checkKey: noCheck },
        { raw: {}, environment: {}, githubCredentialVariable: 'X' },
      ),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it("stores the GitHub token under the variable the shipped GitHub server's entry declares", async () => {
    expect(await githubCredentialVariableOf(shippedMcpConfigPath)).toBe('GITHUB_PERSONAL_ACCESS_TOKEN');
  });
});

describe('ironcurtain config, the editor', () => {
  const original = { resourceBudget: { maxSteps: 70 }, anthropicApiKey: 'sk-ant-123456' };

  it('changes one setting, asking again after a refused value, and saves', async () => {
    const prompt = scriptedPromptPort([
      { select: 'group:budgets' },
      { select: 'resourceBudget.maxSteps' },
      { select: 'change' },
      { text: 'fifty' },
      { text: '50' },
      { select: 'save' },
    ]);
    const result = await runConfigEditor(prompt, original);
    expect(result).toEqual({ isSaved: true, raw: { ...original, resourceBudget: { maxSteps: 50 } } });
    expect(prompt.refusals).toEqual([expect.stringMatching(/^resourceBudget\.maxSteps: .*"fifty"/)]);
    const overview = prompt.notes[0] ?? '';
    expect(overview).toContain('resourceBudget.maxSteps = 70 (config.json)');
    expect(overview).toContain('resourceBudget.maxTotalTokens = 1000000 (default)');
    expect(overview).not.toContain('sk-ant-123456');
  });

  it('unsets a setting and then quits without saving: the original stays', async () => {
    const prompt = scriptedPromptPort([
      { select: 'group:keys' },
      { select: 'anthropicApiKey' },
      { select: 'unset' },
      { select: 'quit' },
    ]);
    expect(await runConfigEditor(prompt, original)).toEqual({ isSaved: false, raw: original });
  });
});
