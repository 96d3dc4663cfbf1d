import { AppError, errorCodeOf } from '@ironcurtain/errors';

/** One answer of a {@link PromptPort.select} question. */
export interface PromptChoice<Value extends string> {
  readonly value: Value;
  readonly label: string;
  readonly hint?: string;
}

/** Checks a typed answer: an error message to show (the question is asked again), or undefined to accept it. */
export type AnswerCheck = (answer: string) => string | undefined;

/**
 * How the setup wizard and the config editor ask a person. The CLI answers it with @clack/prompts in a terminal;
 * unit tests answer it from a script. Every function rejects with a `CANCELLED` error when the person cancels
 * (Ctrl-C), so a cancelled wizard never reaches the point where it writes.
 */
export interface PromptPort {
  select<Value extends string>(
    message: string,
    choices: readonly PromptChoice<Value>[],
    initialValue?: Value,
  ): Promise<Value>;
  /** A line of text; `check` runs on every answer and a refusal is shown and asked again. */
  text(
    message: string,
    options?: { initialValue?: string; placeholder?: string; check?: AnswerCheck },
  ): Promise<string>;
  /** A secret: the input is masked and never echoed. */
  secret(message: string, options?: { check?: AnswerCheck }): Promise<string>;
  confirm(message: string, initialValue: boolean): Promise<boolean>;
  /** Information between questions (results, explanations). */
  note(message: string, title?: string): void;
}

/** The error code of a prompt the person cancelled. */
export const cancelledCode = 'CANCELLED';

/** The error a {@link PromptPort} rejects with when the person cancels. */
export function cancelledError(): AppError {
  return new AppError(cancelledCode, 'cancelled: nothing was written');
}

/** True when `error` is a cancelled prompt. */
export function isCancelled(error: unknown): boolean {
  return errorCodeOf(error) === cancelledCode;
}
