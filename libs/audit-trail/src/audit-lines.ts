/** One line of a trail file, with where its bytes are (the writer truncates a torn tail at `byteOffset`). */
export interface AuditLine {
  /** 1-based. */
  lineNumber: number;
  text: string;
  byteOffset: number;
  /** Bytes of the line, without its newline. */
  byteLength: number;
  /** False for a last line with no newline: a write that did not finish. */
  isComplete: boolean;
}

const newline = 0x0a;

/**
 * Splits a trail into lines as its bytes arrive (a file stream, or one buffer), keeping byte offsets. A final segment
 * without a newline is yielded with `isComplete: false`; an empty final segment (the file ends with a newline) is not
 * a line.
 */
export async function* readAuditLines(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<AuditLine> {
  const decoder = new TextDecoder('utf-8');
  let carry: Uint8Array = new Uint8Array(0);
  let carryOffset = 0;
  let lineNumber = 0;
  for await (const chunk of chunks) {
    const bytes = carry.length === 0 ? chunk : concat(carry, chunk);
    let start = 0;
    for (let index = bytes.indexOf(newline); index !== -1; index = bytes.indexOf(newline, start)) {
      lineNumber += 1;
      yield {
        lineNumber,
        text: decoder.decode(bytes.subarray(start, index)),
        byteOffset: carryOffset + start,
        byteLength: index - start,
        isComplete: true,
      };
      start = index + 1;
    }
    carryOffset += start;
    carry = bytes.slice(start);
  }
  if (carry.length > 0) {
    yield {
      lineNumber: lineNumber + 1,
      text: decoder.decode(carry),
      byteOffset: carryOffset,
      byteLength: carry.length,
      isComplete: false,
    };
  }
}

function concat(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return joined;
}
