// `ironcurtain setup` and `ironcurtain config` as a person uses them: the real CLI in real pseudo-terminals (a private
// tmux server), answered with key presses. Setup writes the expected config.json with mode 0600 and never shows the
// typed key; Ctrl-C writes nothing; the config editor refuses a bad value on screen, takes a good one and saves; a
// hostile value in the file is shown inert; the first `start` in a terminal with no config.json runs the wizard.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnvironment } from './stack-process.js';
import { tmuxTerminal } from './tmux-terminal.js';

const typedKey = 'sk-ant-typed-in-the-terminal-42';

describe('ironcurtain setup and config in a terminal', () => {
  let folder: string;
  const terminal = tmuxTerminal(() => folder);
  const { tmux, screen, waitFor, answer, exitStatus } = terminal;
  // Moves a select's cursor down to the option labelled `label` (clack marks it ●) and chooses it.
  const choose = async (pane: string, question: RegExp, label: string) => {
    await waitFor(pane, question);
    for (let presses = 0; presses < 30; presses += 1) {
      if ((await screen(pane)).includes(`● ${label}`))
        return void (await tmux('send-keys', '-t', pane, 'Enter'));
      await tmux('send-keys', '-t', pane, 'Down');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no option "${label}" in ${pane}:\n${await screen(pane)}`);
  };
  const startPane = (name: string, home: string, args: string[], extra: Record<string, string> = {}) =>
    terminal.startCliPane(name, { ...cliEnvironment(home), TERM: 'xterm-256color', ...extra }, args);
  const newHome = (name: string) => mkdtemp(join(folder, `${name}-`));

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ironcurtain-setup-pty-'));
    await terminal.start();
  });
  afterAll(async () => {
    if (folder === undefined) return;
    await terminal.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('setup: the answers become config.json (0600), the key is never on screen', async () => {
    const home = await newHome('setup');
    const pane = await startPane('setup', home, ['setup']);
    await answer(pane, /Which model provider/, 'Enter');
    await answer(pane, /Paste the Anthropic \(Claude\) API key/, typedKey, 'Enter');
    await answer(pane, /default model of a session/, 'Down', 'Enter'); // claude-opus-4-5
    await answer(pane, /Check the key now\?/, 'Down', 'Enter'); // skip (offline)
    await answer(pane, /Web search for agents/, 'Up', 'Enter'); // from "none" up to serpapi
    await answer(pane, /Paste the serpapi API key/, 'serp-key-1', 'Enter');
    await answer(pane, /GitHub token/, 'Down', 'Enter'); // no GitHub
    await answer(pane, /Turn auto-approve on\?/, 'y');
    await waitFor(pane, /written: .*config\.json \(mode 0600\)/);
    expect(await exitStatus(pane)).toBe(0);

    const file = join(home, 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      anthropicApiKey: typedKey,
      agentModelId: 'anthropic:claude-opus-4-5',
      webSearch: { provider: 'serpapi', serpapi: { apiKey: 'serp-key-1' } },
      autoApprove: { enabled: true },
    });
    const shown = await screen(pane);
    expect(shown).not.toContain(typedKey);
    expect(shown).toContain(`anthropicApiKey = "sk-a… (${typedKey.length} characters, hidden)"`);
  }, 90_000);

  it('setup: Ctrl-C writes nothing', async () => {
    const home = await newHome('cancel');
    const pane = await startPane('cancel', home, ['setup']);
    await answer(pane, /Which model provider/, 'Enter');
    await answer(pane, /Paste the Anthropic/, 'sk-ant-half', 'C-c');
    await waitFor(pane, /setup cancelled: nothing was written/);
    expect(await exitStatus(pane)).toBe(130);
    await expect(stat(join(home, 'config.json'))).rejects.toThrow();
  }, 60_000);

  it('config: a bad value is refused on screen, a good one saved; a hostile value in the file stays inert', async () => {
    const home = await newHome('config');
    const hostile = '\u009d0;pwned\u0007\u202emoc.evil';
    const original = {
      resourceBudget: { maxSteps: 70 },
      signal: { container: { image: hostile } },
      keptNote: 1,
    };
    await writeFile(join(home, 'config.json'), JSON.stringify(original), { mode: 0o600 });
    const pane = await startPane('config', home, ['config']);
    await choose(pane, /Which settings\?/, 'budgets');
    await choose(pane, /budgets: which setting\?/, 'resourceBudget.maxSteps = 70 (config.json)');
    await choose(pane, /change it/, 'change it');
    await answer(pane, /resourceBudget\.maxSteps: the new value/, 'fifty', 'Enter');
    await waitFor(pane, /resourceBudget\.maxSteps: Invalid input/);
    await answer(pane, /"fifty"/, 'BSpace', 'BSpace', 'BSpace', 'BSpace', 'BSpace', '50', 'Enter');
    await choose(pane, /Which settings\? \(1 unsaved change\)/, 'save and quit');
    await waitFor(pane, /resourceBudget\.maxSteps = 50/);
    expect(await exitStatus(pane)).toBe(0);

    const file = join(home, 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      ...original,
      resourceBudget: { maxSteps: 50 },
    });
    const shown = await screen(pane);
    expect(shown).toContain('signal.container.image = "\\x9d0;pwned\\u0007\\u202emoc.evil" (config.json)');
    expect((await tmux('display-message', '-p', '-t', pane, '#{pane_title}')).trim()).not.toBe('pwned');
  }, 90_000);

  it('the first start in a terminal with no config.json runs the wizard; Ctrl-C goes on with the defaults', async () => {
    const home = await newHome('first-start');
    // Nothing answers on this NATS URL: once past the wizard, start fails fast instead of starting a stack.
    const deadNats = { NATS_URL: 'nats://127.0.0.1:1' };
    const pane = await startPane('first', home, ['start', 'a task'], {
      ...deadNats,
      IRONCURTAIN_SKIP_SETUP: '',
    });
    await waitFor(pane, /No config\.json yet/);
    await answer(pane, /Which model provider/, 'C-c');
    await waitFor(pane, /Going on with the defaults/);
    await waitFor(pane, /cannot connect to NATS/);
    expect(await exitStatus(pane)).not.toBe(0);
    await expect(stat(join(home, 'config.json'))).rejects.toThrow();

    // A terminal driven by a program opts out.
    const skipped = await startPane('skipped', home, ['start', 'a task'], deadNats);
    await waitFor(skipped, /cannot connect to NATS/);
    expect(await screen(skipped)).not.toMatch(/No config\.json yet|Which model provider/);
  }, 60_000);
});
