import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { intro, outro } from '@clack/prompts';
import { createDockerEngine } from '@ironcurtain/docker-engine';
import { errorCodeOf } from '@ironcurtain/errors';
import { createSignalApiClient } from '@ironcurtain/signal-api';
import { terminalSafe, terminalSafeText } from '@ironcurtain/terminal-text';
import { resolveUserConfig, validateUserConfig, writeUserConfig } from '@ironcurtain/user-config';
import type { CliContext } from '../../cli-context.js';
import { clackPromptPort } from '../config/clack-prompt-port.js';
import { readEditableConfig } from '../config/config-file.js';
import { isCancelled } from '../config/prompt-port.js';
import { maskPhoneNumber, maskPhoneNumbersIn } from './phone-number.js';
import { provideSignalApi, waitForSignalApi } from './signal-api-location.js';
import type { SignalApiPort } from './signal-api-port.js';
import { challengeFailedCode, randomChallengeCode } from './signal-challenge.js';
import { runSignalReTrust, runSignalSetup, type SignalSetupPorts } from './signal-setup.js';

/** How long `setup-signal` waits for signal-cli-rest-api to answer (its daemon starts a JVM). */
const apiStartTimeoutMs = 120_000;

/** The exit code of a setup the person cancelled (Ctrl-C), as a shell reports it. */
export const cancelledExitCode = 130;

/**
 * `ironcurtain setup-signal [--re-trust]` in the terminal: finds or starts signal-cli-rest-api, runs the steps, and
 * writes config.json (0600, other keys kept) only after the right challenge code. Resolves with the exit code: 0
 * written, 1 failed (wrong codes, no identity, Signal refused; nothing written), 130 cancelled.
 */
export async function runSignalSetupInTerminal(
  context: CliContext,
  home: string,
  options: { isReTrust: boolean },
): Promise<number> {
  const terminal = context.rawTerminal;
  if (terminal === undefined) throw new Error('ironcurtain setup-signal needs a terminal');
  const output = { output: terminal.output };
  const existing = await readEditableConfig(home);
  for (const warning of existing.warnings)
    context.stderr.write(`ironcurtain: ${terminalSafeText(warning)}\n`);
  intro(options.isReTrust ? 'IronCurtain Signal: re-trust' : 'IronCurtain Signal setup', output);
  try {
    const api = await signalApiFor(context, home, existing.raw);
    const ports: SignalSetupPorts = {
      prompt: clackPromptPort(terminal),
      api,
      writeLinkQrCode: (png) => writeLinkQrCode(home, png),
      randomCode: randomChallengeCode,
      sleep: (milliseconds) => sleep(milliseconds),
      now: () => Date.now(),
    };
    const result = options.isReTrust
      ? await runSignalReTrust(ports, existing.raw)
      : await runSignalSetup(ports, existing.raw);
    const path = await writeUserConfig(home, result.raw);
    outro(`written: ${terminalSafe(path)} (mode 0600)`, output);
    context.stdout.write(
      `Signal: bot ${maskPhoneNumber(result.botNumber)}, obeying ${maskPhoneNumber(result.recipientNumber)} ` +
        '(identity pinned).\nNext: restart `ironcurtain up` (its signal-bridge reads these settings when it ' +
        'starts), or for the compose stack `ironcurtain deploy init --settings-only` then ' +
        '`docker compose --profile signal up -d`.\n',
    );
    return 0;
  } catch (error) {
    if (isCancelled(error)) {
      outro('setup-signal cancelled: nothing was written', output);
      return cancelledExitCode;
    }
    const what = errorCodeOf(error) === challengeFailedCode ? 'challenge failed' : 'setup-signal failed';
    outro(`${what}: nothing was written`, output);
    context.stderr.write(`ironcurtain: ${terminalSafeText(maskPhoneNumbersIn((error as Error).message))}\n`);
    return 1;
  } finally {
    await rm(join(home, linkFileName), { force: true });
  }
}

async function signalApiFor(
  context: CliContext,
  home: string,
  raw: Record<string, unknown>,
): Promise<SignalApiPort> {
  const config = resolveUserConfig(validateUserConfig(raw, join(home, 'config.json')));
  const location = await provideSignalApi({
    env: context.env,
    home,
    config,
    engine: createDockerEngine(context.env['DOCKER_HOST']),
    userIds: context.userIds,
  });
  if (location.container !== undefined)
    context.stdout.write(
      `signal-cli-rest-api: container ${location.container}, waiting for ${location.url}…\n`,
    );
  const api = createSignalApiClient({ baseUrl: location.url });
  await waitForSignalApi(() => api.health(), location, apiStartTimeoutMs);
  return api;
}

const linkFileName = 'signal-link.png';

/**
 * Writes the QR code that links a device to the person's account to `IRONCURTAIN_HOME/signal-link.png`: only they may
 * read it (0600, created fresh), and `setup-signal` removes it when it ends. Returns its path.
 */
export async function writeLinkQrCode(home: string, png: Uint8Array): Promise<string> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const path = join(home, linkFileName);
  await rm(path, { force: true });
  await writeFile(path, png, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return path;
}
