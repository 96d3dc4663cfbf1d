import { configValueAt, parseValueText, userConfigDefaults, withConfigValue } from '@ironcurtain/user-config';
import type { AnswerCheck } from './prompt-port.js';

/** Where a setting's effective value comes from. */
export type SettingSource = 'file' | 'default' | 'unset';

/** A setting's effective value: the file's, else the default, else none. */
export function effectiveValueOf(
  raw: Record<string, unknown>,
  key: string,
): { value: unknown; source: SettingSource } {
  const fromFile = configValueAt(raw, key);
  if (fromFile !== undefined) return { value: fromFile, source: 'file' };
  const fallback = configValueAt(userConfigDefaults, key);
  return fallback === undefined
    ? { value: undefined, source: 'unset' }
    : { value: fallback, source: 'default' };
}

/**
 * The short reason a value was refused: from `withConfigValue`'s error (which names every bad key of the whole file)
 * the line about `key`, without the file-wide fix hint.
 */
export function problemOf(error: unknown, key: string): string {
  const message = (error as Error).message;
  const lines = message.split('\n').map((line) => line.trim());
  return (
    lines.find((line) => line.startsWith(`${key}:`) || line.startsWith(`${key}.`)) ?? lines[0] ?? message
  );
}

/**
 * An answer check that accepts what config.json would accept at `key`: the answer (through `toValue`, text as a
 * person types it by default) is put into a copy of `raw` and the whole is validated.
 */
export function acceptedAt(
  raw: Record<string, unknown>,
  key: string,
  toValue: (answer: string) => unknown = parseValueText,
): AnswerCheck {
  return (answer) => {
    try {
      withConfigValue(raw, key, toValue(answer));
      return undefined;
    } catch (error) {
      return problemOf(error, key);
    }
  };
}

/** A string answer must not be empty (a key, a URL). */
export function asText(answer: string): unknown {
  return answer.trim();
}
