// `ironcurtain setup-signal` as a person uses it: the real CLI in a real pseudo-terminal (a private tmux server),
// against the wire-level fake of signal-cli-rest-api (SIGNAL_API_URL). Registering with the code the fake "sent by
// SMS" and the right challenge code pin the identity the fake reports in config.json (0600, other keys kept); three
// wrong codes and Ctrl-C write nothing; --re-trust after a changed key pins the new one and the fake holds it trusted.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSignalApiClient } from '@ironcurtain/signal-api';
import { eventually, startFakeSignalApi, type FakeSignalApi } from '@ironcurtain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnvironment, runCli } from './stack-process.js';
import { tmuxTerminal } from './tmux-terminal.js';

const bot = '+15550001111';
const person = '+15550002222';
const captcha =
  'signalcaptcha://signal-hcaptcha.5fad97ac.registration.P1_eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9';

describe('ironcurtain setup-signal in a terminal', () => {
  let folder: string;
  let home: string;
  let fake: FakeSignalApi;
  const terminal = tmuxTerminal(() => folder);
  const { screen, waitFor, answer, exitStatus } = terminal;
  const startPane = (name: string, args: string[]) =>
    terminal.startCliPane(
      name,
      { ...cliEnvironment(home), TERM: 'xterm-256color', SIGNAL_API_URL: fake.url },
      args,
    );
  // The newest challenge the fake carried to the person, after `before` messages.
  const challengeCode = async (before: number) => {
    const sent = await fake.waitForSent(
      (message) => fake.sent.indexOf(message) >= before && message.recipients.includes(person),
      20_000,
    );
    const code = /^Your IronCurtain code: (\d{6})$/.exec(sent.message)?.[1];
    if (code === undefined) throw new Error(`not a challenge: ${sent.message}`);
    return code;
  };
  const identityOfPerson = async () =>
    (await createSignalApiClient({ baseUrl: fake.url }).identities(bot)).find(
      (identity) => identity.number === person,
    );
  const configFile = () => join(home, 'config.json');

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ironcurtain-setup-signal-pty-'));
    home = await mkdtemp(join(folder, 'home-'));
    fake = await startFakeSignalApi();
    await writeFile(configFile(), JSON.stringify({ escalationTimeoutSeconds: 45, keptNote: 'mine' }), {
      mode: 0o600,
    });
    await terminal.start();
  });
  afterAll(async () => {
    await fake?.close();
    if (folder === undefined) return;
    await terminal.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('registers the bot with the SMS code, and the right challenge code pins the identity (0600, keys kept)', async () => {
    const pane = await startPane('register', ['setup-signal']);
    await answer(pane, /How does the bot get its Signal account\?/, 'Enter'); // register a number
    await answer(pane, /The bot's phone number/, bot, 'Enter');
    await answer(pane, /Paste the captcha link/, captcha, 'Enter');
    await answer(pane, /How should Signal send the code\?/, 'Enter'); // SMS
    const smsCode = await eventually(
      'the fake to send an SMS code',
      () => fake.verificationCodeOf(bot),
      20_000,
    );
    await answer(
      pane,
      /The code Signal sent to \+\*{7}1111/,
      `${smsCode.slice(0, 3)}-${smsCode.slice(3)}`,
      'Enter',
    );
    await answer(pane, /registration lock PIN/, 'Enter');
    await answer(pane, /Your own Signal number/, person, 'Enter');
    await answer(pane, /The code from Signal \(try 1 of 3\)/, await challengeCode(0), 'Enter');
    await waitFor(pane, /written: .*config\.json \(mode 0600\)/);
    expect(await exitStatus(pane)).toBe(0);

    expect(fake.accounts).toEqual([bot]);
    const identity = await identityOfPerson();
    expect(identity?.status).toBe('TRUSTED_VERIFIED');
    expect((await stat(configFile())).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(configFile(), 'utf8'))).toEqual({
      escalationTimeoutSeconds: 45,
      keptNote: 'mine',
      signal: { botNumber: bot, recipientNumber: person, recipientIdentityKey: identity?.fingerprint },
    });
    const shown = await screen(pane);
    expect(shown).toContain('Signal: bot +*******1111, obeying +*******2222 (identity pinned)');
    expect(shown).toMatch(/restart `ironcurtain up`/);
    expect(shown).not.toContain(identity?.fingerprint ?? 'no fingerprint');
  }, 90_000);

  it('three wrong codes end it with exit code 1 and config.json unchanged; Ctrl-C writes nothing either', async () => {
    const before = await readFile(configFile(), 'utf8');
    const sentBefore = fake.sent.length;
    const pane = await startPane('wrong', ['setup-signal']);
    await answer(pane, /● keep the bot \+\*{7}1111/, 'Enter');
    await answer(pane, /Your own Signal number/, 'Enter'); // the configured one, shown as the initial value
    const code = await challengeCode(sentBefore);
    const wrong = code === '000000' ? '999999' : '000000';
    await answer(pane, /try 1 of 3/, wrong, 'Enter');
    await answer(pane, /2 tries left/, wrong, 'Enter');
    await answer(pane, /1 try left/, wrong, 'Enter');
    await waitFor(pane, /challenge failed: nothing was written/);
    expect(await exitStatus(pane)).toBe(1);
    expect(await screen(pane)).toMatch(/3 wrong codes; nothing was written/);
    expect(await readFile(configFile(), 'utf8')).toBe(before);

    const cancelled = await startPane('cancel', ['setup-signal']);
    await answer(cancelled, /How does the bot get its Signal account\?/, 'C-c');
    await waitFor(cancelled, /setup-signal cancelled: nothing was written/);
    expect(await exitStatus(cancelled)).toBe(130);
    expect(await readFile(configFile(), 'utf8')).toBe(before);
  }, 90_000);

  it('--re-trust after the person got a new key: the right code trusts it in signal-cli and pins it', async () => {
    const newKey = `05 ${Array.from({ length: 32 }, (_, index) => (index + 16).toString(16)).join(' ')}`;
    fake.setIdentity(person, newKey);
    expect((await identityOfPerson())?.status).toBe('UNTRUSTED');
    const sentBefore = fake.sent.length;
    const pane = await startPane('retrust', ['setup-signal', '--re-trust']);
    await waitFor(pane, /is not the pinned one/);
    await answer(pane, /try 1 of 3/, await challengeCode(sentBefore), 'Enter');
    await waitFor(pane, /written: .*config\.json \(mode 0600\)/);
    expect(await exitStatus(pane)).toBe(0);
    expect(await identityOfPerson()).toMatchObject({ fingerprint: newKey, status: 'TRUSTED_VERIFIED' });
    expect(JSON.parse(await readFile(configFile(), 'utf8'))).toMatchObject({
      keptNote: 'mine',
      signal: { botNumber: bot, recipientNumber: person, recipientIdentityKey: newKey },
    });
  }, 90_000);

  it('refuses to run without a terminal (exit code 2), asking nothing', async () => {
    const { code, stdout, stderr } = await runCli(
      ['setup-signal'],
      cliEnvironment(home, { SIGNAL_API_URL: fake.url }),
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/setup-signal asks questions .* it needs a terminal/);
    expect(stdout).toBe('');
  });
});
