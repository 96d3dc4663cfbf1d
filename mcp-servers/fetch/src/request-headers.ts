import { AppError } from '@ironcurtain/errors';
import { FetchErrorCode } from './error-codes.js';

/** The User-Agent of every request http_fetch and web_search send. */
export const userAgent = 'IronCurtain-Fetch/0.1 (+https://github.com/ironcurtain)';

/**
 * Header names the agent may not set, each with the reason given back to it. The server owns the framing of the
 * request (Host, Content-Length, Transfer-Encoding, hop-by-hop and proxy headers, so no header can smuggle a second
 * request or retarget a proxy), the User-Agent (the tool schema promises a fixed one, so a site sees who is asking),
 * and Accept-Encoding (the server decodes the body under its size cap, so it chooses the encodings it can decode).
 */
const refusedHeaders: ReadonlyMap<string, string> = new Map([
  ['host', 'the Host header always names the URL host'],
  ['user-agent', `the fetch server always sends its own User-Agent (${userAgent})`],
  ['accept-encoding', 'the fetch server chooses the encodings it can decode'],
  ['content-length', 'http_fetch sends GET requests without a body'],
  ['transfer-encoding', 'http_fetch sends GET requests without a body'],
  ['expect', 'http_fetch sends GET requests without a body'],
  ['connection', 'hop-by-hop headers belong to the fetch server'],
  ['keep-alive', 'hop-by-hop headers belong to the fetch server'],
  ['upgrade', 'hop-by-hop headers belong to the fetch server'],
  ['te', 'hop-by-hop headers belong to the fetch server'],
  ['trailer', 'hop-by-hop headers belong to the fetch server'],
  ['http2-settings', 'hop-by-hop headers belong to the fetch server'],
]);

const maxHeaderCount = 50;
const maxValueLength = 8192;
// RFC 9110 token characters; anything else (spaces, colons, CR/LF) cannot be a header name.
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Visible ASCII, space, tab and obs-text: no CR, LF or NUL, so a value cannot start a new header line.
const headerValue = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Checks the agent's extra headers and returns them with lower-case names. Throws SCHEMA_INVALID naming the first
 * refused header and why.
 */
export function validateAgentHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const entries = Object.entries(headers);
  if (entries.length > maxHeaderCount) {
    throw invalid(`headers has ${entries.length} entries; at most ${maxHeaderCount} are sent.`);
  }
  // No prototype: a header named __proto__ must stay a plain entry.
  const validated = Object.create(null) as Record<string, string>;
  for (const [name, value] of entries) {
    const lowerName = name.toLowerCase();
    if (!headerName.test(name)) throw invalid(`"${name}" is not a valid HTTP header name.`);
    const reason =
      refusedHeaders.get(lowerName) ??
      (lowerName.startsWith('proxy-') ? 'proxy headers are refused' : undefined);
    if (reason !== undefined)
      throw invalid(`The ${name} header is refused: ${reason}. Remove it from headers.`);
    if (typeof value !== 'string') throw invalid(`The value of header ${name} must be a string.`);
    if (!headerValue.test(value))
      throw invalid(`The value of header ${name} contains a line break or control character.`);
    if (value.length > maxValueLength)
      throw invalid(`The value of header ${name} is longer than ${maxValueLength} characters.`);
    if (Object.hasOwn(validated, lowerName))
      throw invalid(`Header ${name} is given twice (header names ignore case).`);
    validated[lowerName] = value;
  }
  return validated;
}

function invalid(message: string): AppError {
  return new AppError(FetchErrorCode.InputInvalid, message);
}
