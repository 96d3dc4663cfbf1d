// What a terminal may act on or hide, and so must never receive raw from text we did not write:
// - Cc: C0 controls (ESC starts every CSI, OSC, DCS, APC, PM and SOS sequence), DEL, and C1 controls (U+009B is a
//   CSI by itself, U+009D an OSC, U+0090 a DCS, U+009E/U+009F PM/APC, U+0098 SOS);
// - Cf: format characters: bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069), marks (U+200E/F,
//   U+061C), zero-width characters, U+FEFF, the tags block (U+E0000–E007F) and the like;
// - Zl, Zp: U+2028 and U+2029, which some terminals and viewers treat as line breaks;
// - Cs: lone surrogates, which cannot be encoded and would reach the terminal as something else;
// - Default_Ignorable_Code_Point: everything else a font draws as nothing (variation selectors, Hangul fillers,
//   combining grapheme joiner…), so two different values cannot look the same.
const unsafeClass = String.raw`[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]`;

/** Every unsafe character, for `replace`. */
export const unsafeCharacters = new RegExp(unsafeClass, 'gu');

/** The same without the line feed: for text whose newlines are kept (JSON with indentation, multi-line text). */
export const unsafeCharactersButNewline = new RegExp(`(?!\\n)${unsafeClass}`, 'gu');

const oneUnsafeCharacter = new RegExp(`^${unsafeClass}$`, 'u');

/** True when `character` (one code point) must be shown as an escape rather than sent to a terminal. */
export function isUnsafeCharacter(character: string): boolean {
  return oneUnsafeCharacter.test(character);
}

/**
 * The visible escape of one code point, in JavaScript's notation: `\x1b` up to U+00FF, `\u202e` in the rest of the
 * Basic Multilingual Plane, `\u{e0041}` above it.
 */
export function escapeCharacter(character: string): string {
  const codePoint = character.codePointAt(0) ?? 0;
  const hex = codePoint.toString(16);
  if (codePoint <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  if (codePoint <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\u{${hex}}`;
}

/** The JSON escape of one code point (`\u001b`; a pair of escapes above U+FFFF), so JSON stays valid. */
export function escapeCharacterForJson(character: string): string {
  let escaped = '';
  for (let index = 0; index < character.length; index += 1) {
    escaped += `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`;
  }
  return escaped;
}
