import { StringDecoder } from 'node:string_decoder';

/** Longest event the parser keeps; a longer one is dropped (it only feeds usage accounting, never the client). */
const maxEventChars = 8 * 1024 * 1024;

/**
 * An incremental Server-Sent Events parser: feed it the bytes as they arrive, in chunks cut anywhere (mid-line,
 * mid-character), and it calls `onData` with the joined `data:` lines of each complete event.
 */
export function createSseParser(onData: (data: string) => void): { push(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let dataLines: string[] = [];
  let eventChars = 0;
  const dispatch = (): void => {
    if (dataLines.length > 0 && eventChars <= maxEventChars) onData(dataLines.join('\n'));
    dataLines = [];
    eventChars = 0;
  };
  const consumeLine = (line: string): void => {
    if (line === '') return dispatch();
    if (!line.startsWith('data:')) return;
    const value = line.slice(line.startsWith('data: ') ? 6 : 5);
    eventChars += value.length;
    if (eventChars <= maxEventChars) dataLines.push(value);
  };
  const consume = (text: string): void => {
    pending += text;
    let newline = pending.search(/\r\n|\r|\n/);
    while (newline !== -1) {
      // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (pending[newline] === '\r' && newline === pending.length - 1) break;
      const width = pending.startsWith('\r\n', newline) ? 2 : 1;
      consumeLine(pending.slice(0, newline));
      pending = pending.slice(newline + width);
      newline = pending.search(/\r\n|\r|\n/);
    }
    if (pending.length > maxEventChars) pending = '';
  };
  return {
    push: (chunk) => consume(decoder.write(chunk)),
    end: () => {
      consume(decoder.end());
      if (pending !== '') consumeLine(pending.replace(/\r$/, ''));
      pending = '';
      dispatch();
    },
  };
}
