import { hasControlCharacters } from '../control-characters.js';

/** A fetch URL as the policy sees it. */
export interface NormalizedFetchUrl {
  /** The URL as the WHATWG parser serializes it; the gateway fetches exactly this. */
  href: string;
  /** Lowercase hostname, IDN as punycode, no trailing dot; IPv6 in brackets. */
  host: string;
}

/**
 * Parses an http(s) URL once, with the same parser that will fetch it, so the checked host and the fetched host
 * cannot differ. Returns undefined for anything else: other schemes (a `file://localhost/…` has a hostname too),
 * no hostname, control characters.
 */
export function normalizeFetchUrl(value: string): NormalizedFetchUrl | undefined {
  if (hasControlCharacters(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') return undefined;
  return { href: url.href, host: url.hostname.replace(/\.$/, '') };
}
