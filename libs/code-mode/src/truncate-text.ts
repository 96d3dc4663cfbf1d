/** A text cut to a byte budget, and how much was cut. */
export interface TruncatedText {
  readonly text: string;
  readonly isTruncated: boolean;
  readonly cutBytes: number;
}

const minimumBytes = 256;

/**
 * Cuts `text` to at most `maxBytes` UTF-8 bytes, keeping its head and its tail around a marker that says how
 * many bytes were cut (`…[truncated: 51200 of 153600 bytes cut]…`). Cuts never split a character.
 */
export function truncateHeadTail(text: string, maxBytes: number): TruncatedText {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, isTruncated: false, cutBytes: 0 };
  const budget = Math.max(maxBytes, minimumBytes);
  // The marker's own length depends on the number it prints; size it for the worst case first.
  const markerBudget = Buffer.byteLength(marker(bytes.length, bytes.length));
  const keep = Math.max(0, budget - markerBudget);
  // Both cuts move inwards to a character start, so neither side grows past its share.
  const headEnd = characterBoundary(bytes, Math.ceil(keep / 2), -1);
  const tailStart = characterBoundary(bytes, bytes.length - Math.floor(keep / 2), 1);
  const cutBytes = tailStart - headEnd;
  const head = bytes.subarray(0, headEnd).toString('utf8');
  const tail = bytes.subarray(tailStart).toString('utf8');
  return { text: `${head}${marker(cutBytes, bytes.length)}${tail}`, isTruncated: true, cutBytes };
}

function marker(cutBytes: number, totalBytes: number): string {
  return `\n…[truncated: ${cutBytes} of ${totalBytes} bytes cut]…\n`;
}

/** The nearest offset from `offset` in `direction` (-1 back, 1 forward) that starts a UTF-8 character. */
function characterBoundary(bytes: Buffer, offset: number, direction: -1 | 1): number {
  let boundary = Math.min(Math.max(offset, 0), bytes.length);
  while (boundary > 0 && boundary < bytes.length && ((bytes[boundary] ?? 0) & 0xc0) === 0x80)
    boundary += direction;
  return boundary;
}
