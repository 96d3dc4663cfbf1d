/** An origin requests are sent to: scheme, host name (what TLS verifies and `Host` names) and port. */
export interface UpstreamOrigin {
  readonly protocol: 'https:' | 'http:';
  readonly host: string;
  readonly port: number;
}

/** Where a provider's allowed requests go, and the path each one takes there. */
export interface UpstreamRoute {
  readonly origin: UpstreamOrigin;
  /** The upstream path (with query) of an allowed request path. */
  toUpstreamPath(path: string): string;
}

// A path segment that names an API version: `v1`, `v1beta`, `v2alpha1`.
const versionSegment = /^v\d+[a-z0-9]*$/;

/** The origin of an http(s) URL, IPv6 brackets removed. */
export function originOf(url: URL): UpstreamOrigin {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`${url.href}: only http and https base URLs are supported, not ${url.protocol}`);
  }
  return {
    protocol: url.protocol,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
  };
}

/** The path of a base URL without trailing slashes (`''` for the root). */
export function basePathOf(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}

/**
 * The route of a built-in provider whose requests go to a configured base URL (a corporate gateway, a regional
 * endpoint) instead of its public host. Agents keep speaking the provider's own paths (`/v1/messages`,
 * `/v1beta/models/…`), which the endpoint allowlist checks; the base URL then says where they go:
 * - ending in a version (`https://gw.example/anthropic/v1`, as the AI SDK's `baseURL`), it stands for the provider's
 *   versioned base: the request's own version segment is replaced by it (`/v1/messages` → `/anthropic/v1/messages`);
 * - otherwise its path is put before the request path (`https://gw.example/anthropic` → `/anthropic/v1/messages`),
 *   as `ANTHROPIC_BASE_URL` of Anthropic's SDKs means it.
 * A URL's query or fragment is refused: the path is all it may change.
 */
export function baseUrlRoute(baseUrl: string): UpstreamRoute {
  const url = new URL(baseUrl);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new Error(`${baseUrl}: a base URL has no query, fragment or credentials`);
  }
  const basePath = basePathOf(url);
  const isVersioned = versionSegment.test(basePath.split('/').at(-1) ?? '');
  const prefix = isVersioned ? basePath.slice(0, basePath.lastIndexOf('/')) : basePath;
  const replacement = isVersioned ? basePath.slice(basePath.lastIndexOf('/')) : undefined;
  return {
    origin: originOf(url),
    toUpstreamPath(path) {
      if (replacement === undefined) return `${prefix}${path}`;
      // Allowed built-in paths start with their version segment (`/v1/…`, `/v1beta/…`).
      const match = /^\/[^/?]+(.*)$/s.exec(path);
      return `${prefix}${replacement}${match?.[1] ?? ''}`;
    },
  };
}

/** The route of a provider whose requests go to its own origin unchanged. */
export function directRoute(origin: UpstreamOrigin): UpstreamRoute {
  return { origin, toUpstreamPath: (path) => path };
}
