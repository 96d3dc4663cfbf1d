/** The largest max_length the http_fetch schema accepts. */
export const maxLengthLimit = 1_000_000;

/**
 * Cuts `text` to `maxLength` characters (UTF-16 code units, never splitting a surrogate pair) and appends a marker
 * saying how much was cut and how to get more. The schema has no offset argument, so "more" means a larger
 * max_length.
 */
export function truncateText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const endsInHighSurrogate = /[\uD800-\uDBFF]/.test(text.charAt(maxLength - 1));
  const kept = text.slice(0, endsInHighSurrogate ? maxLength - 1 : maxLength);
  const cut = text.length - kept.length;
  const advice =
    maxLength >= maxLengthLimit
      ? `max_length is already at its maximum (${maxLengthLimit}); fetch a more specific URL to read the rest.`
      : `Call http_fetch again with a larger max_length (up to ${maxLengthLimit}) to read more.`;
  return `${kept}\n\n[Truncated: showing ${kept.length} of ${text.length} characters; ${cut} cut. ${advice}]`;
}
