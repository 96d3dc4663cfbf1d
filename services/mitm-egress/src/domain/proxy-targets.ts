/** A CONNECT target, `host:port` with IPv6 in brackets; the host lower-cased without a trailing dot. */
export function parseConnectTarget(target: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(target);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  const host = (match[1] ?? '')
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  return host === '' ? undefined : { host, port };
}

/**
 * A `Proxy-Authorization: Basic base64(sessionId:proxyToken)` header: undefined when absent, `invalid` when present
 * but malformed (refused, never ignored: a client that meant to authenticate must not fall back to anonymous).
 */
export function parseProxyAuthorization(
  header: string | undefined,
): { sessionId: string; proxyToken: string } | 'invalid' | undefined {
  if (header === undefined) return undefined;
  const match = /^basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (match === null) return 'invalid';
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return 'invalid';
  return { sessionId: decoded.slice(0, colon), proxyToken: decoded.slice(colon + 1) };
}

/** A reverse-mode target `/<provider>/<upstream path>`: the provider name and the upstream path with its query. */
export function parseReverseTarget(url: string): { providerName: string; path: string } | undefined {
  const match = /^\/([a-z][a-z0-9-]{0,31})(\/[^#]*)$/.exec(url);
  if (match === null) return undefined;
  return { providerName: match[1] ?? '', path: match[2] ?? '/' };
}
