const controlCharacter = /\p{Cc}/u;

/**
 * True when `value` holds a NUL or any other control character (C0, DEL, C1). Paths, URLs and identifiers never
 * need one, and each is a way to make two parsers disagree about what a value means.
 */
export function hasControlCharacters(value: string): boolean {
  return controlCharacter.test(value);
}
