// Cedar expression builders for the engine's value tests: `within` as equality or `like "dir/*"`, and domain patterns
// as string tests on the host. Each mirrors one engine function (path-within.ts, domain-match.ts) so the Cedar policy
// says the same thing the engine checks; the request carries the canonical values these expressions read.
import { posix } from 'node:path';

/** A Cedar string literal. Cedar knows `\"`, `\\` and `\u{…}` escapes; JSON's `\uXXXX` form is not Cedar's. */
export function cedarString(value: string): string {
  return `"${escapeText(value)}"`;
}

/** A Cedar `like` pattern: `value` literally, then anything. A `*` in the value must not act as a wildcard. */
export function likePrefix(value: string): string {
  return `"${escapeLike(value)}*"`;
}

/** A Cedar `like` pattern: anything, then `value` literally. */
export function likeSuffix(value: string): string {
  return `"*${escapeLike(value)}"`;
}

function escapeLike(value: string): string {
  return escapeText(value).replaceAll('*', '\\*');
}

function escapeText(value: string): string {
  let text = '';
  for (const character of value) {
    const code = character.codePointAt(0) ?? 0;
    if (character === '"' || character === '\\') text += `\\${character}`;
    else if (code < 0x20 || code === 0x7f) text += `\\u{${code.toString(16)}}`;
    else text += character;
  }
  return text;
}

/** `isWithin(expression, directory)`: the directory itself or anything under `directory + "/"`. */
export function withinDirectory(expression: string, directory: string): string {
  const prefix = directory.endsWith('/') ? directory : `${directory}/`;
  return `(${expression} == ${cedarString(directory)} || ${expression} like ${likePrefix(prefix)})`;
}

/**
 * `isWithin(entry, expression)` for a fixed entry: the value is the entry or one of its ancestors. Cedar cannot build
 * a pattern from a value, so the ancestors are listed when the policy is generated (as `==`, cheaper in Cedar than a
 * set literal, which is rebuilt on every evaluation).
 */
export function containsEntry(expression: string, entry: string): string {
  const ancestors = [entry];
  for (let path = entry; path !== '/';) {
    path = posix.dirname(path);
    ancestors.push(path);
  }
  return anyOf(ancestors.map((ancestor) => `${expression} == ${cedarString(ancestor)}`));
}

/**
 * `domainMatchesAllowlist(target, patterns)` on a request value given as `<value>_host` (without IPv6 brackets),
 * `<value>_canonical` and `<value>_ip` (the engine's isIpAddress): `*` is any non-IP host, `*.x` is x and its
 * subdomains, a pattern with `/` is a whole `host/owner/repo`, anything else an exact host.
 */
export function matchesDomains(value: string, patterns: readonly string[]): string {
  const tests = [...new Set(patterns.map((pattern) => patternTest(value, pattern)))].filter(
    (test) => test !== 'false',
  );
  if (tests.length === 0) return 'false';
  return `(${value}_host != "" && (${tests.join(' || ')}))`;
}

function patternTest(value: string, pattern: string): string {
  const normalized = pattern.trim().toLowerCase().replace(/\.$/, '');
  if (normalized === '*') return `!${value}_ip`;
  if (normalized.includes('/')) {
    return `${value}_canonical == ${cedarString(normalized.replace(/\/+$/, '').replace(/\.git$/, ''))}`;
  }
  if (normalized.startsWith('*.')) {
    const parent = normalized.slice(2);
    if (parent === '') return 'false';
    return `${value}_host == ${cedarString(parent)} || ${value}_host like ${likeSuffix(`.${parent}`)}`;
  }
  if (normalized === '') return 'false';
  const host = normalized.startsWith('[') && normalized.endsWith(']') ? normalized.slice(1, -1) : normalized;
  return `${value}_host == ${cedarString(host)}`;
}

/** `a && b && …`, dropping `true`s; `false` wins. */
export function allOf(...terms: string[]): string {
  const kept = terms.filter((term) => term !== 'true');
  if (kept.includes('false')) return 'false';
  if (kept.length === 0) return 'true';
  return kept.length === 1 ? (kept[0] as string) : kept.map((term) => `(${term})`).join(' && ');
}

/** `a || b || …`, dropping `false`s; `true` wins. */
export function anyOf(terms: readonly string[]): string {
  const kept = terms.filter((term) => term !== 'false');
  if (kept.includes('true')) return 'true';
  if (kept.length === 0) return 'false';
  return kept.length === 1 ? (kept[0] as string) : kept.map((term) => `(${term})`).join(' || ');
}

/** `!term`, folding constants. */
export function not(term: string): string {
  if (term === 'true') return 'false';
  if (term === 'false') return 'true';
  return `!(${term})`;
}

/** `variable == Kind::"a" || …`; `false` for none. Cheaper in Cedar than `in [set literal]`. */
export function entityIs(variable: string, kind: string, ids: readonly string[]): string {
  return anyOf(ids.map((id) => `${variable} == ${kind}::${cedarString(id)}`));
}
