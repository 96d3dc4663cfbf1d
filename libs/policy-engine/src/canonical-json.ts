import { createHash } from 'node:crypto';

/** How deep {@link canonicalJson} descends before giving up; also stops cycles. */
export const maximumCanonicalDepth = 100;

/**
 * JSON with object keys sorted (by UTF-16 code units, as JSON Canonicalization Scheme does) and no whitespace, so
 * equal values always give equal text and equal hashes. Object entries whose value is `undefined` are left out, as
 * JSON.stringify does. Throws a TypeError on values JSON cannot hold (functions, symbols, bigints, non-finite
 * numbers) and on nesting deeper than {@link maximumCanonicalDepth}.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, 0);
}

/** Lowercase hex sha256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function serialize(value: unknown, depth: number): string {
  if (depth > maximumCanonicalDepth)
    throw new TypeError(`value nested deeper than ${maximumCanonicalDepth} levels`);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('non-finite number has no JSON form');
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? serializeArray(value, depth) : serializeObject(value, depth);
    default:
      throw new TypeError(`a ${typeof value} has no JSON form`);
  }
}

function serializeArray(items: readonly unknown[], depth: number): string {
  const parts: string[] = [];
  for (let index = 0; index < items.length; index += 1) {
    const item: unknown = items[index];
    parts.push(item === undefined ? 'null' : serialize(item, depth + 1));
  }
  return `[${parts.join(',')}]`;
}

function serializeObject(object: object, depth: number): string {
  const record = object as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const entry = record[key];
    if (entry === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${serialize(entry, depth + 1)}`);
  }
  return `{${parts.join(',')}}`;
}
