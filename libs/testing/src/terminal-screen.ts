// A real terminal emulator (xterm.js, headless) for tests: write bytes, read back what a person would see and every
// side effect the bytes asked of the terminal (title, clipboard, hyperlinks, answers to queries, bell, modes).
import xterm from '@xterm/headless';

const { Terminal } = xterm;

/** What a terminal made of some output. */
export interface RenderedScreen {
  /** The screen and scrollback as logical lines (wrapped rows joined), trailing spaces and empty rows dropped. */
  readonly lines: string[];
  /** Side effects the output asked for: `title`, `osc 52`, `osc 8`, `csi r`, `answer`, `bell`, `attributes`… */
  readonly effects: string[];
  readonly cursor: { readonly x: number; readonly y: number };
  /** Every mode is the terminal's default (no alternate keypad, bracketed paste, mouse tracking, origin mode…). */
  readonly hasDefaultModes: boolean;
  /**
   * The output did not confine or move scrolling: after it, `rows * 2` numbered lines were written and the screen
   * shows the last `rows` of them in order, with the cursor on the row below.
   */
  readonly scrollsNormally: boolean;
}

const oscIdentifiers = [
  0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 17, 19, 50, 51, 52, 104, 110, 111, 133, 633, 1337,
];
const csiPrefixes = ['', '?', '>', '<', '='];

/** Writes `output` to a fresh `cols` × `rows` terminal and reports what it shows and did. */
export async function renderInTerminal(
  output: string | Uint8Array,
  size: { cols?: number; rows?: number } = {},
): Promise<RenderedScreen> {
  const cols = size.cols ?? 160;
  const rows = size.rows ?? 30;
  const terminal = new Terminal({ cols, rows, scrollback: 10_000, allowProposedApi: true, convertEol: true });
  const effects: string[] = [];
  const note = (effect: string) => () => (effects.push(effect), false);
  terminal.onTitleChange(() => effects.push('title'));
  terminal.onBell(() => effects.push('bell'));
  terminal.onData(() => effects.push('answer'));
  terminal.onBinary(() => effects.push('answer'));
  for (const identifier of oscIdentifiers)
    terminal.parser.registerOscHandler(identifier, note(`osc ${identifier}`));
  for (const prefix of csiPrefixes) {
    // SGR (m) is checked on the cells instead; every other CSI moves, erases, scrolls or sets a mode.
    for (let final = 0x40; final <= 0x7e; final += 1) {
      const letter = String.fromCharCode(final);
      if (prefix === '' && letter === 'm') continue;
      terminal.parser.registerCsiHandler({ prefix, final: letter }, note(`csi ${prefix}${letter}`));
    }
  }
  for (let final = 0x30; final <= 0x7e; final += 1) {
    terminal.parser.registerEscHandler({ final: String.fromCharCode(final) }, note('esc'));
  }
  for (let final = 0x40; final <= 0x7e; final += 1) {
    for (const intermediates of ['', '$', '+']) {
      terminal.parser.registerDcsHandler({ intermediates, final: String.fromCharCode(final) }, note('dcs'));
    }
  }
  await write(terminal, output);
  const lines = readLines(terminal);
  if (hasAttributes(terminal)) effects.push('attributes');
  const buffer = terminal.buffer.active;
  const cursor = { x: buffer.cursorX, y: buffer.baseY + buffer.cursorY };
  const hasDefaultModes = isDefaultModes(terminal.modes);
  const scrollsNormally = await checkScrolling(terminal, rows);
  terminal.dispose();
  return { lines, effects, cursor, hasDefaultModes, scrollsNormally };
}

function write(terminal: InstanceType<typeof Terminal>, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => terminal.write(data, resolve));
}

function readLines(terminal: InstanceType<typeof Terminal>): string[] {
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let row = 0; row < buffer.length; row += 1) {
    const line = buffer.getLine(row);
    if (line === undefined) continue;
    const text = line.translateToString(true);
    if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

function hasAttributes(terminal: InstanceType<typeof Terminal>): boolean {
  const buffer = terminal.buffer.active;
  for (let row = 0; row < buffer.length; row += 1) {
    const line = buffer.getLine(row);
    for (let column = 0; line !== undefined && column < line.length; column += 1) {
      const cell = line.getCell(column);
      if (cell !== undefined && !cell.isAttributeDefault()) return true;
    }
  }
  return false;
}

function isDefaultModes(modes: InstanceType<typeof Terminal>['modes']): boolean {
  return (
    !modes.applicationCursorKeysMode &&
    !modes.applicationKeypadMode &&
    !modes.bracketedPasteMode &&
    !modes.insertMode &&
    modes.mouseTrackingMode === 'none' &&
    !modes.originMode &&
    !modes.reverseWraparoundMode &&
    !modes.sendFocusMode &&
    modes.wraparoundMode
  );
}

async function checkScrolling(terminal: InstanceType<typeof Terminal>, rows: number): Promise<boolean> {
  const count = rows * 2;
  const marks = Array.from({ length: count }, (_, index) => `scroll-check ${index}`);
  await write(terminal, `\n${marks.join('\n')}\n`);
  const buffer = terminal.buffer.active;
  const screen: string[] = [];
  for (let row = 0; row < rows; row += 1) {
    screen.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
  }
  const expected = [...marks.slice(count - rows + 1), ''];
  return buffer.cursorY === rows - 1 && buffer.cursorX === 0 && screen.join('\n') === expected.join('\n');
}
