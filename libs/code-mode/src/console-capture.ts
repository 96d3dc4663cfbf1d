import { truncateHeadTail } from './truncate-text.js';

/** The console levels agent code can write to. */
export type ConsoleLevel = 'log' | 'info' | 'debug' | 'warn' | 'error';

/**
 * Console lines of one execution within a byte budget: the first half of the budget keeps the earliest lines,
 * the second half the latest, and a marker line between them counts what was dropped. A flood of output costs
 * the host no more than the budget.
 */
export class ConsoleCapture {
  readonly #halfBudget: number;
  readonly #head: string[] = [];
  readonly #tail: string[] = [];
  #headBytes = 0;
  #tailStart = 0;
  #tailBytes = 0;
  #droppedLines = 0;
  #droppedBytes = 0;
  #isLineCut = false;

  constructor(maxBytes: number) {
    this.#halfBudget = Math.max(1, Math.floor(maxBytes / 2));
  }

  /** Adds one line (`[warn] …` / `[error] …` for those levels). */
  add(level: ConsoleLevel, text: string): void {
    const prefixed = level === 'warn' || level === 'error' ? `[${level}] ${text}` : text;
    const cut = truncateHeadTail(prefixed, this.#halfBudget);
    if (cut.isTruncated) this.#isLineCut = true;
    const size = Buffer.byteLength(cut.text);
    if (
      this.#tail.length === this.#tailStart &&
      this.#droppedLines === 0 &&
      this.#headBytes + size <= this.#halfBudget
    ) {
      this.#head.push(cut.text);
      this.#headBytes += size;
      return;
    }
    this.#tail.push(cut.text);
    this.#tailBytes += size;
    while (this.#tailBytes > this.#halfBudget && this.#tailStart < this.#tail.length) {
      const droppedBytes = Buffer.byteLength(this.#tail[this.#tailStart] ?? '');
      this.#tailStart += 1;
      this.#tailBytes -= droppedBytes;
      this.#droppedLines += 1;
      this.#droppedBytes += droppedBytes;
    }
    // A queue by index: shifting a long array on every line would make a flood of output quadratic.
    if (this.#tailStart > 1024 && this.#tailStart * 2 > this.#tail.length) {
      this.#tail.splice(0, this.#tailStart);
      this.#tailStart = 0;
    }
  }

  /** True when a line or lines were cut. */
  get isTruncated(): boolean {
    return this.#isLineCut || this.#droppedLines > 0;
  }

  /** The kept lines, with a marker where lines were dropped. */
  lines(): string[] {
    const tail = this.#tail.slice(this.#tailStart);
    if (this.#droppedLines === 0) return [...this.#head, ...tail];
    const marker = `…[console truncated: ${this.#droppedLines} lines (${this.#droppedBytes} bytes) cut]…`;
    return [...this.#head, marker, ...tail];
  }
}
