import type { Readable, Writable } from 'node:stream';
import { confirm, isCancel, note, password, select, text } from '@clack/prompts';
import { terminalSafe, terminalSafeLines } from '@ironcurtain/terminal-text';
import { cancelledError, type AnswerCheck, type PromptPort } from './prompt-port.js';

/** The terminal the prompts draw on: they need it raw (cursor moves, key presses), so it is not the filtered stdout. */
export interface PromptTerminal {
  readonly input: Readable;
  readonly output: Writable;
}

/**
 * {@link PromptPort} on @clack/prompts. Prompts draw with escape sequences of their own, so they write to the
 * terminal directly; every text handed to them here (questions, choices, hints, errors, notes) may hold values
 * from config.json, which anything could have written, and is made terminal-safe first.
 */
export function clackPromptPort(terminal: PromptTerminal): PromptPort {
  const common = { input: terminal.input, output: terminal.output };
  return {
    async select(message, choices, initialValue) {
      const options = choices.map((choice) => ({
        value: choice.value,
        label: safe(choice.label),
        ...(choice.hint === undefined ? {} : { hint: safe(choice.hint) }),
      }));
      const answer = await select({
        ...common,
        message: safe(message),
        options: options as Parameters<typeof select>[0]['options'],
        ...(initialValue === undefined ? {} : { initialValue }),
        maxItems: 14,
      });
      return answered(answer) as (typeof choices)[number]['value'];
    },
    async text(message, options = {}) {
      const answer = await text({
        ...common,
        message: safe(message),
        ...(options.initialValue === undefined ? {} : { initialValue: terminalSafe(options.initialValue) }),
        ...(options.placeholder === undefined ? {} : { placeholder: safe(options.placeholder) }),
        validate: safeCheck(options.check),
      });
      return answered<string>(answer);
    },
    async secret(message, options = {}) {
      const answer = await password({
        ...common,
        message: safe(message),
        validate: safeCheck(options.check),
      });
      return answered<string>(answer);
    },
    async confirm(message, initialValue) {
      return answered<boolean>(await confirm({ ...common, message: safe(message), initialValue }));
    },
    note(message, title) {
      const { lines } = terminalSafeLines(message, { maxLineLength: 200 });
      note(lines.join('\n'), title === undefined ? undefined : safe(title), { output: terminal.output });
    },
  };
}

function safe(value: string): string {
  return terminalSafe(value, { maxLength: 400 });
}

function safeCheck(
  check: AnswerCheck | undefined,
): ((value: string | undefined) => string | undefined) | undefined {
  if (check === undefined) return undefined;
  return (value) => {
    const problem = check(value ?? '');
    return problem === undefined ? undefined : safe(problem);
  };
}

function answered<Value>(answer: Value | symbol): Value {
  if (isCancel(answer)) throw cancelledError();
  return answer as Value;
}
