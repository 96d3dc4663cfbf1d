import type { Command } from 'commander';
import { errorCodeOf, ErrorCode } from '@ironcurtain/errors';
import { terminalSafe, terminalSafeJson, terminalSafeText } from '@ironcurtain/terminal-text';
import { userConfigPath, writeUserConfig } from '@ironcurtain/user-config';
import type { CliContext } from '../cli-context.js';
import { clackPromptPort } from '../domain/config/clack-prompt-port.js';
import {
  allSettingValues,
  configWithoutSetting,
  configWithSetting,
  plainValueText,
  settingValueOf,
} from '../domain/config/config-commands.js';
import { runConfigEditor } from '../domain/config/config-editor.js';
import { readEditableConfig, type EditableConfig } from '../domain/config/config-file.js';
import { changedSettings, settingsReport } from '../domain/config/config-report.js';
import { isCancelled } from '../domain/config/prompt-port.js';
import { isInteractiveTerminal } from '../domain/config/setup-run.js';
import { homeOf } from './policy/policy-options.js';

/**
 * `ironcurtain config`: view and edit config.json interactively; `config get|set|unset|path|list` for scripts. A
 * refused key or value exits with 2 and leaves the file untouched.
 */
export function registerConfigCommand(program: Command, context: CliContext): void {
  const config = program
    .command('config')
    .description(
      'view and edit your settings (config.json) interactively; get, set, unset, list and path for scripts',
    )
    .action(() => editInteractively(context));
  config
    .command('get <key>')
    .description('print a setting (secrets masked), or its default when config.json does not set it')
    .option('--json', 'print {"key","value","source"} as JSON')
    .action((key: string, options: { json?: boolean }) => usage(context, () => get(context, key, options)));
  config
    .command('set <key> <value>')
    .description(
      'set a setting: JSON (50, true, null, {"enabled":true}) or text; checked before anything is written',
    )
    .action((key: string, value: string) =>
      usage(context, async () => {
        const file = await open(context);
        await write(context, file, configWithSetting(file.raw, key, value));
      }),
    );
  config
    .command('unset <key>')
    .description('remove a setting from config.json (its default applies again)')
    .action((key: string) =>
      usage(context, async () => {
        const file = await open(context);
        if (!file.exists) return void context.stdout.write(`${file.path} does not exist: nothing to unset\n`);
        await write(context, file, configWithoutSetting(file.raw, key));
      }),
    );
  config
    .command('path')
    .description('print where config.json is')
    .action(() => void context.stdout.write(`${userConfigPath(homeOf(context))}\n`));
  config
    .command('list')
    .description('print every setting with its effective value and where it comes from')
    .option('--json', 'one JSON array of {"key","group","value","source"}')
    .action(async (options: { json?: boolean }) => {
      const file = await open(context);
      context.stdout.write(
        options.json === true
          ? `${terminalSafeJson(allSettingValues(file.raw))}\n`
          : `${settingsReport(file.raw)}\n`,
      );
    });
}

async function open(context: CliContext): Promise<EditableConfig> {
  const file = await readEditableConfig(homeOf(context));
  for (const warning of file.warnings) context.stderr.write(`ironcurtain: ${terminalSafeText(warning)}\n`);
  return file;
}

async function get(context: CliContext, key: string, options: { json?: boolean }): Promise<void> {
  const file = await open(context);
  const setting = settingValueOf(file.raw, key);
  if (options.json === true) return void context.stdout.write(`${terminalSafeJson(setting)}\n`);
  if (setting.source !== 'unset') context.stdout.write(`${terminalSafe(plainValueText(setting))}\n`);
  if (setting.source === 'default')
    context.stderr.write(`(the default: ${key} is not set in ${file.path})\n`);
  if (setting.source === 'unset') context.stderr.write(`(${key} is not set and has no default)\n`);
}

async function write(context: CliContext, file: EditableConfig, raw: Record<string, unknown>): Promise<void> {
  const path = await writeUserConfig(homeOf(context), raw);
  const changes = changedSettings(file.raw, raw);
  context.stdout.write(
    changes.length === 0
      ? `${path}: nothing changed\n`
      : `${path}:\n${changes.map((line) => `  ${line}\n`).join('')}`,
  );
}

// An unknown key or a refused value is the caller's mistake: exit code 2, the file as it was.
async function usage(context: CliContext, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (errorCodeOf(error) !== ErrorCode.ConfigInvalid) throw error;
    context.stderr.write(`ironcurtain: ${(error as Error).message}\n`);
    context.setExitCode(2);
  }
}

async function editInteractively(context: CliContext): Promise<void> {
  const terminal = context.rawTerminal;
  if (!isInteractiveTerminal(context) || terminal === undefined) {
    context.stderr.write(
      'ironcurtain: `config` alone edits in a terminal; scripts use `config get|set|unset|list`\n',
    );
    return context.setExitCode(2);
  }
  const file = await open(context);
  try {
    const result = await runConfigEditor(clackPromptPort(terminal), file.raw);
    if (!result.isSaved) return void context.stdout.write('quit without saving: config.json is unchanged\n');
    await write(context, file, result.raw);
  } catch (error) {
    if (!isCancelled(error)) throw error;
    context.stdout.write('cancelled: config.json is unchanged\n');
  }
}
