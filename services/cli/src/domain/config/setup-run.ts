import { intro, outro } from '@clack/prompts';
import { shippedMcpConfigPath } from '@ironcurtain/default-policy';
import { terminalSafe, terminalSafeText } from '@ironcurtain/terminal-text';
import { writeUserConfig } from '@ironcurtain/user-config';
import type { CliContext } from '../../cli-context.js';
import { clackPromptPort } from './clack-prompt-port.js';
import { changedSettings } from './config-report.js';
import { readEditableConfig } from './config-file.js';
import { checkKeyWithPrivateStack } from './egress-key-check.js';
import { isCancelled } from './prompt-port.js';
import { githubCredentialVariableOf, runSetupWizard } from './setup-wizard.js';

/** True when both stdin and stdout are terminals: only then may a command ask anything. */
export function isInteractiveTerminal(context: CliContext): boolean {
  const terminal = context.rawTerminal;
  return terminal !== undefined && terminal.input.isTTY === true && terminal.output.isTTY === true;
}

/**
 * Runs the setup wizard in the terminal and writes config.json (0600) when it completes; prints where and what
 * changed (secrets masked). Returns false when the person cancelled (nothing written).
 */
export async function runSetupInTerminal(context: CliContext, home: string): Promise<boolean> {
  const terminal = context.rawTerminal;
  if (terminal === undefined) throw new Error('ironcurtain setup needs a terminal');
  const existing = await readEditableConfig(home);
  for (const warning of existing.warnings)
    context.stderr.write(`ironcurtain: ${terminalSafeText(warning)}\n`);
  const output = { output: terminal.output };
  intro(existing.exists ? 'IronCurtain setup (starting from your config.json)' : 'IronCurtain setup', output);
  try {
    const result = await runSetupWizard(
      {
        prompt: clackPromptPort(terminal),
        checkKey: (candidate, request) =>
          checkKeyWithPrivateStack(candidate, request, {
            environment: context.env,
            nodePath: context.nodePath,
            pid: context.pid,
            report: () => undefined,
          }),
      },
      {
        raw: existing.raw,
        environment: context.env,
        githubCredentialVariable: await githubCredentialVariableOf(shippedMcpConfigPath),
      },
    );
    const path = await writeUserConfig(home, result.raw);
    outro(`written: ${terminalSafe(path)} (mode 0600)`, output);
    const changes = changedSettings(existing.raw, result.raw);
    context.stdout.write(
      changes.length === 0 ? 'nothing changed\n' : `${changes.map((line) => `  ${line}`).join('\n')}\n`,
    );
    return true;
  } catch (error) {
    if (!isCancelled(error)) throw error;
    outro('setup cancelled: nothing was written', output);
    return false;
  }
}

/**
 * The first `start` on a machine with no config.json and a terminal runs the wizard before the session; without a
 * terminal (CI, scripts), or with `IRONCURTAIN_SKIP_SETUP=1`, nothing is asked and the defaults apply, as before. A
 * cancelled wizard starts the session with the defaults too.
 */
export async function runFirstStartSetup(context: CliContext, home: string): Promise<void> {
  // A terminal driven by a program (expect scripts, tests in a pty) asks for no wizard with IRONCURTAIN_SKIP_SETUP=1.
  if (!isInteractiveTerminal(context) || context.env['IRONCURTAIN_SKIP_SETUP'] === '1') return;
  const existing = await readEditableConfig(home).catch(() => undefined);
  if (existing === undefined || existing.exists) return;
  context.stdout.write(
    'No config.json yet: a few questions first (Ctrl-C skips them and uses the defaults).\n',
  );
  const isWritten = await runSetupInTerminal(context, home);
  if (!isWritten)
    context.stdout.write('Going on with the defaults; `ironcurtain setup` asks again any time.\n');
}
