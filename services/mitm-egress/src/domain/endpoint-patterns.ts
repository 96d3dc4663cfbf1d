/** One allowed request shape: a method and a path pattern in which `*` stands for part or all of one segment. */
export interface EndpointPattern {
  readonly method: string;
  readonly path: string;
}

/** A compiled allowlist: answers whether a method and path (query ignored) may pass. */
export interface EndpointAllowlist {
  readonly patterns: readonly EndpointPattern[];
  isAllowed(method: string, pathWithQuery: string): boolean;
}

/**
 * Compiles patterns such as `POST /v1/messages` or `POST /v1beta/models/*:generateContent`. A `*` never crosses a
 * `/`, so `/v1/models/*` matches `/v1/models/gpt-5` but not `/v1/models/a/b`. Paths that are not normalized (`..`,
 * `.`, empty segments, percent-encoded slashes or dots) never match: an upstream could read them differently.
 */
export function compileEndpointAllowlist(patterns: readonly EndpointPattern[]): EndpointAllowlist {
  const compiled = patterns.map((pattern) => ({
    method: pattern.method.toUpperCase(),
    regex: new RegExp(`^${pattern.path.split('*').map(escapeRegex).join('[^/]+')}$`),
  }));
  return {
    patterns,
    isAllowed(method, pathWithQuery) {
      const path = pathOf(pathWithQuery);
      if (!isNormalizedPath(path)) return false;
      const upperMethod = method.toUpperCase();
      return compiled.some((entry) => entry.method === upperMethod && entry.regex.test(path));
    },
  };
}

/** The path of a request target without its query or fragment. */
export function pathOf(pathWithQuery: string): string {
  const end = pathWithQuery.search(/[?#]/);
  return end === -1 ? pathWithQuery : pathWithQuery.slice(0, end);
}

/** Parses `POST /v1/messages` into a pattern; throws on anything else (patterns come from code and config). */
export function parseEndpointPattern(text: string): EndpointPattern {
  const match = /^([A-Z]+) (\/\S*)$/.exec(text.trim());
  if (match === null)
    throw new Error(`endpoint pattern "${text}" must look like "POST /v1/chat/completions"`);
  return { method: match[1] ?? '', path: match[2] ?? '' };
}

function isNormalizedPath(path: string): boolean {
  if (!path.startsWith('/')) return false;
  if (/%2f|%5c|%2e|\\/i.test(path)) return false;
  return path
    .slice(1)
    .split('/')
    .every((segment, index, segments) => {
      if (segment === '.' || segment === '..') return false;
      return segment !== '' || index === segments.length - 1;
    });
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
