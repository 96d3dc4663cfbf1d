import { open } from 'node:fs/promises';
import { terminalSafe } from '@ironcurtain/terminal-text';

const tailBytes = 4096;
const maximumLength = 200;

/**
 * The gist of the last line a child wrote to its log: the `msg` (and `err.message`) of a JSON log line, or the raw
 * text of anything else (a crash before the logger existed). Lines are redacted by the service's logger already.
 */
export async function lastLogLine(logFile: string): Promise<string | undefined> {
  let text: string;
  try {
    const file = await open(logFile, 'r');
    try {
      const { size } = await file.stat();
      const buffer = Buffer.alloc(Math.min(size, tailBytes));
      await file.read(buffer, 0, buffer.length, size - buffer.length);
      text = buffer.toString('utf8');
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
  const line = text
    .split('\n')
    .map((candidate) => candidate.trim())
    .filter((candidate) => candidate !== '')
    .at(-1);
  // A log line can quote what an agent or a tool sent; it is shown safe and visibly shortened.
  return line === undefined ? undefined : terminalSafe(gistOf(line), { maxLength: maximumLength });
}

function gistOf(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; err?: { message?: unknown } };
    const message = typeof entry.msg === 'string' ? entry.msg : line;
    const errorMessage = typeof entry.err?.message === 'string' ? `: ${entry.err.message}` : '';
    return `${message}${errorMessage}`;
  } catch {
    return line;
  }
}
