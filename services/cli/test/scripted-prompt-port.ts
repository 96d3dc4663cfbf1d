// A PromptPort answered from a script, as a person would answer the wizard: each question takes the next answer,
// a refused text or secret is recorded and asked again with the answer after it.
import type { PromptChoice, PromptPort } from '../src/domain/config/prompt-port.js';
import { cancelledError } from '../src/domain/config/prompt-port.js';

/** One scripted answer; `cancel` is Ctrl-C at that question. */
export type ScriptedAnswer =
  { select: string } | { text: string } | { secret: string } | { confirm: boolean } | 'cancel';

/** What the script saw besides its answers. */
export interface ScriptedPromptPort extends PromptPort {
  /** Each question asked, in order, with the choices and the initial value of a select. */
  readonly questions: Array<{ kind: string; message: string; choices?: string[]; initialValue?: unknown }>;
  readonly notes: string[];
  /** Why a typed answer was refused (asked again). */
  readonly refusals: string[];
  /** Answers not used when the wizard ended. */
  remaining(): number;
}

/** A prompt port answering from `answers`; a question the script did not expect fails the test. */
export function scriptedPromptPort(answers: readonly ScriptedAnswer[]): ScriptedPromptPort {
  const queue = [...answers];
  const questions: ScriptedPromptPort['questions'] = [];
  const notes: string[] = [];
  const refusals: string[] = [];
  const next = (kind: string, message: string): ScriptedAnswer => {
    const answer = queue.shift();
    if (answer === undefined) throw new Error(`no scripted answer for the ${kind} "${message}"`);
    if (answer === 'cancel') throw cancelledError();
    if (!(kind in answer))
      throw new Error(`the script answers ${JSON.stringify(answer)} to the ${kind} "${message}"`);
    return answer;
  };
  const typed = (
    kind: 'text' | 'secret',
    message: string,
    check?: (answer: string) => string | undefined,
  ) => {
    for (;;) {
      const answer = (next(kind, message) as Record<string, string>)[kind] as string;
      const problem = check?.(answer);
      if (problem === undefined) return Promise.resolve(answer);
      refusals.push(problem);
    }
  };
  return {
    questions,
    notes,
    refusals,
    remaining: () => queue.length,
    select<Value extends string>(
      message: string,
      choices: readonly PromptChoice<Value>[],
      initialValue?: Value,
    ) {
      questions.push({
        kind: 'select',
        message,
        choices: choices.map((choice) => choice.value),
        initialValue,
      });
      const { select } = next('select', message) as { select: string };
      if (!choices.some((choice) => choice.value === select)) {
        throw new Error(
          `"${select}" is not a choice of "${message}": ${choices.map((c) => c.value).join(', ')}`,
        );
      }
      return Promise.resolve(select as Value);
    },
    text(message, options = {}) {
      questions.push({ kind: 'text', message, initialValue: options.initialValue });
      return typed('text', message, options.check);
    },
    secret(message, options = {}) {
      questions.push({ kind: 'secret', message });
      return typed('secret', message, options.check);
    },
    confirm(message, initialValue) {
      questions.push({ kind: 'confirm', message, initialValue });
      return Promise.resolve((next('confirm', message) as { confirm: boolean }).confirm);
    },
    note: (message) => void notes.push(message),
  };
}
