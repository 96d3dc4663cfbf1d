import { AppError } from '@ironcurtain/errors';
import { FetchErrorCode } from './error-codes.js';

/** What kind of text a response body is, which decides how each output format treats it. */
export type BodyKind = 'html' | 'text';

/** A response body decoded to a string. */
export interface DecodedBody {
  kind: BodyKind;
  text: string;
}

const htmlTypes = new Set(['text/html', 'application/xhtml+xml']);
const textTypes = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/ecmascript',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/x-ndjson',
  'application/x-www-form-urlencoded',
]);

/**
 * Decodes a body by its Content-Type: HTML, or other text (text/*, JSON, XML, YAML, …). Binary types throw
 * UNSUPPORTED_CONTENT. The charset comes from the header, then a BOM, then (for HTML) a `<meta charset>` in the first
 * 1024 bytes, then UTF-8.
 */
export function decodeBody(body: Buffer, contentType: string | undefined): DecodedBody {
  const { mediaType, charset } = parseContentType(contentType);
  const kind = bodyKind(mediaType, body);
  if (kind === undefined) {
    throw new AppError(
      FetchErrorCode.UnsupportedContent,
      `The response is ${mediaType} (${body.length} bytes), which http_fetch cannot return: it returns HTML, text, ` +
        'JSON and XML only.',
    );
  }
  const label = charset ?? bomCharset(body) ?? (kind === 'html' ? metaCharset(body) : undefined) ?? 'utf-8';
  return { kind, text: decodeText(body, label) };
}

function parseContentType(contentType: string | undefined): {
  mediaType: string;
  charset: string | undefined;
} {
  const [mediaType = '', ...parameters] = (contentType ?? '').split(';').map((part) => part.trim());
  const charsetParameter = parameters.find((parameter) => parameter.toLowerCase().startsWith('charset='));
  const charset = charsetParameter?.slice('charset='.length).replace(/^"|"$/g, '');
  return { mediaType: mediaType.toLowerCase(), charset: charset === '' ? undefined : charset };
}

function bodyKind(mediaType: string, body: Buffer): BodyKind | undefined {
  if (htmlTypes.has(mediaType)) return 'html';
  if (mediaType.startsWith('text/') || textTypes.has(mediaType)) return 'text';
  if (mediaType.endsWith('+json') || mediaType.endsWith('+xml')) return 'text';
  if (mediaType !== '' && mediaType !== 'application/octet-stream') return undefined;
  // No useful type: sniff. NUL bytes mean binary; a leading tag means HTML.
  const start = body.subarray(0, 1024);
  if (start.includes(0)) return undefined;
  return /^\s*<(!doctype html|html|head|body)/i.test(start.toString('latin1')) ? 'html' : 'text';
}

function bomCharset(body: Buffer): string | undefined {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  return undefined;
}

function metaCharset(body: Buffer): string | undefined {
  const head = body.subarray(0, 1024).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1];
}

function decodeText(body: Buffer, label: string): string {
  try {
    return new TextDecoder(label).decode(body);
  } catch {
    // An unknown charset label: UTF-8 with replacement characters beats refusing the page.
    return new TextDecoder('utf-8').decode(body);
  }
}
