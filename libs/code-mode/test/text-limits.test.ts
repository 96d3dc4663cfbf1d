import { describe, expect, it } from 'vitest';
import { truncateHeadTail } from '@ironcurtain/code-mode';
import { ConsoleCapture } from '../src/console-capture.js';

describe('truncateHeadTail', () => {
  it('leaves text within the budget alone', () => {
    expect(truncateHeadTail('short', 1024)).toEqual({ text: 'short', isTruncated: false, cutBytes: 0 });
  });

  it('keeps head and tail within the byte budget and never splits a character', () => {
    const text = '€'.repeat(5000) + '🙂'.repeat(5000);
    const cut = truncateHeadTail(text, 2000);
    expect(cut.isTruncated).toBe(true);
    expect(Buffer.byteLength(cut.text)).toBeLessThanOrEqual(2000);
    expect(cut.text).not.toContain('\uFFFD');
    expect(cut.text).toMatch(/^€+\n…\[truncated: \d+ of 35000 bytes cut\]…\n(?:🙂)+$/u);
    const kept = Buffer.byteLength(cut.text.replace(/\n…\[.*\]…\n/, ''));
    expect(kept + cut.cutBytes).toBe(35_000);
  });
});

describe('ConsoleCapture', () => {
  it('keeps all lines within the budget, prefixing warn and error', () => {
    const capture = new ConsoleCapture(1024);
    capture.add('log', 'a');
    capture.add('warn', 'b');
    capture.add('error', 'c');
    expect(capture.lines()).toEqual(['a', '[warn] b', '[error] c']);
    expect(capture.isTruncated).toBe(false);
  });

  it('cuts one huge line to half the budget', () => {
    const capture = new ConsoleCapture(1024);
    capture.add('log', 'x'.repeat(10_000));
    expect(capture.isTruncated).toBe(true);
    expect(Buffer.byteLength(capture.lines()[0] ?? '')).toBeLessThanOrEqual(512);
  });

  it('keeps the first and the last lines of a flood, in order, with a count of what was dropped', () => {
    const capture = new ConsoleCapture(1024);
    for (let index = 0; index < 100_000; index += 1) capture.add('log', `line ${index}`);
    const lines = capture.lines();
    expect(lines[0]).toBe('line 0');
    expect(lines.at(-1)).toBe('line 99999');
    const markerIndex = lines.findIndex((line) => line.startsWith('…[console truncated'));
    const before = lines.slice(0, markerIndex).map((line) => Number(line.slice(5)));
    const after = lines.slice(markerIndex + 1).map((line) => Number(line.slice(5)));
    expect([...before, ...after]).toEqual([...before, ...after].sort((a, b) => a - b));
    const dropped = Number(/(\d+) lines/.exec(lines[markerIndex] ?? '')?.[1]);
    expect(before.length + after.length + dropped).toBe(100_000);
  });
});
