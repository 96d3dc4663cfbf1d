import { escapeCharacterForJson, unsafeCharactersButNewline } from './unsafe-characters.js';

/**
 * `JSON.stringify(value, null, space)` that is also safe to write to a terminal: DEL, C1 controls, bidi controls and
 * invisible format characters, which `JSON.stringify` leaves raw, are written as `\uXXXX` escapes. The result is the
 * same JSON value (escapes are how JSON spells any character), so machines read it unchanged. `undefined` gives
 * `null`.
 */
export function terminalSafeJson(value: unknown, space?: number): string {
  const json = JSON.stringify(value, null, space) as string | undefined;
  return escapeTerminalControls(json ?? 'null');
}

/**
 * The last line of defence for a whole output (text or JSON text): every unsafe character but the line feed is
 * written as a `\uXXXX` escape (a pair above U+FFFF). Inside JSON strings that is the same value, so JSON stays
 * valid; in plain text it is visible. Text already made safe passes unchanged.
 */
export function escapeTerminalControls(text: string): string {
  // Raw line feeds in JSON text are the indentation's; the ones inside strings are already escaped.
  return text.replace(unsafeCharactersButNewline, escapeCharacterForJson);
}
