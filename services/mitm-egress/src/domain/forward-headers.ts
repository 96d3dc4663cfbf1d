import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { credentialHeaders } from './credentials.js';

// Hop-by-hop and connection-specific headers (RFC 9110 §7.6.1, RFC 9113 §8.2.2): never forwarded either way.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
  'host',
]);
const credentialHeaderNames = new Set<string>(credentialHeaders);

/**
 * The headers sent upstream: the agent's, less hop-by-hop headers, HTTP/2 pseudo-headers and every credential
 * header, plus the Host of the upstream and the real key in the provider's style. `accept-encoding` is forced to
 * identity so usage can be read from the body as it streams past.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  hostHeader: string,
  keyHeaders: Record<string, string>,
): OutgoingHttpHeaders {
  const dropped = connectionListed(incoming);
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || name.startsWith(':') || hopByHop.has(name) || dropped.has(name)) continue;
    if (credentialHeaderNames.has(name)) continue;
    headers[name] = value;
  }
  headers['host'] = hostHeader;
  headers['accept-encoding'] = 'identity';
  return { ...headers, ...keyHeaders };
}

/**
 * The headers sent to a host added for the session: the agent's own, credentials included (the egress holds no key
 * for such hosts), less hop-by-hop headers and HTTP/2 pseudo-headers.
 */
export function passthroughRequestHeaders(
  incoming: IncomingHttpHeaders,
  hostHeader: string,
): OutgoingHttpHeaders {
  const dropped = connectionListed(incoming);
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || name.startsWith(':') || hopByHop.has(name) || dropped.has(name)) continue;
    headers[name] = value;
  }
  headers['host'] = hostHeader;
  return headers;
}

/** The upstream's response headers as the agent gets them: hop-by-hop headers removed (HTTP/2 forbids them). */
export function clientResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const dropped = connectionListed(incoming);
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || hopByHop.has(name) || dropped.has(name)) continue;
    headers[name] = value;
  }
  return headers;
}

function connectionListed(headers: IncomingHttpHeaders): Set<string> {
  const value = headers['connection'];
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    text
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
  );
}
