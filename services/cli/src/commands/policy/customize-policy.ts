import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { reviseConstitution, writeFileAtomic } from '@ironcurtain/policy-compiler';
import { terminalSafeText } from '@ironcurtain/terminal-text';
import type { CliContext } from '../../cli-context.js';
import { diffLines } from '../../domain/compile/compile-constitution-diff.js';
import { configuredCompileModel, createCompileAskContext } from '../../domain/compile/compile-llm.js';
import { resolveCompileLocations } from '../../domain/compile/compile-locations.js';
import { homeOf } from './policy-options.js';

interface CustomizeOptions {
  request?: string[];
  yes?: boolean;
  model?: string;
}

/** `ironcurtain customize-policy`: change constitution-user.md in a conversation, with a diff before saving. */
export function registerCustomizePolicyCommand(program: Command, context: CliContext): void {
  program
    .command('customize-policy')
    .description(
      'describe in plain English how your policy guidance should change; the model rewrites constitution-user.md ' +
        'and the diff is shown before anything is saved (then run `ironcurtain compile-policy`)',
    )
    .option(
      '--request <text>',
      'a change to make (repeatable); without it, changes are read from the terminal',
      collect,
    )
    .option('--yes', 'save without asking (with --request)')
    .option(
      '--model <id>',
      'provider:model (default IRONCURTAIN_POLICY_MODEL, else anthropic:claude-sonnet-4-6)',
    )
    .action(async (options: CustomizeOptions) => {
      const home = homeOf(context);
      const locations = await resolveCompileLocations(home, context.cwd, {});
      const target = join(home, 'constitution-user.md');
      const base = await readFile(locations.constitution.base, 'utf8');
      const user = await readFile(locations.constitution.user, 'utf8');
      const ask = createCompileAskContext(
        context.env,
        locations.workDir,
        options.model,
        await configuredCompileModel(home, context.stderr),
      );
      const lines = createInterface({ input: context.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]();
      const nextLine = async (question: string): Promise<string | undefined> => {
        context.stdout.write(question);
        const next = await lines.next();
        return next.done === true ? undefined : next.value.trim();
      };
      const requests = [...(options.request ?? [])];
      if (requests.length === 0) {
        const first = await nextLine('What should change in your policy guidance? ');
        if (first === undefined || first === '') {
          context.stdout.write('nothing to change\n');
          return context.setExitCode(0);
        }
        requests.push(first);
      }
      for (;;) {
        const revision = await reviseConstitution(ask, { base, user, requests });
        const diff = diffLines(user, revision.constitution);
        // The model's words and its draft are shown terminal-safe (newlines kept).
        const shown = `${revision.summary}\n\n${diff === '' ? '(no change)\n' : diff}`;
        context.stdout.write(`${terminalSafeText(shown)}\n`);
        const answer =
          options.yes === true
            ? 'y'
            : await nextLine(`Save to ${target}? [y/N, or describe another change] `);
        if (answer === 'y' || answer === 'yes') {
          await writeFileAtomic(
            target,
            revision.constitution.endsWith('\n') ? revision.constitution : `${revision.constitution}\n`,
          );
          context.stdout.write(
            `saved ${target}; run \`ironcurtain compile-policy\` to compile and activate it\n`,
          );
          return context.setExitCode(0);
        }
        if (answer === undefined || answer === '' || answer === 'n' || answer === 'no') {
          context.stdout.write(`not saved; ${target} is unchanged\n`);
          return context.setExitCode(0);
        }
        requests.push(answer);
      }
    });
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
