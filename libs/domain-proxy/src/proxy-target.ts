import { normalizeHost, type NormalizedHost } from './domain-rules.js';

/** Where a client asked the proxy to go. */
export interface ProxyTarget {
  host: NormalizedHost;
  port: number;
}

/** An absolute-form request's target, with what is sent upstream. */
export interface ForwardTarget extends ProxyTarget {
  /** The origin-form path and query sent upstream. */
  path: string;
  /** The Host header sent upstream (the URL's host and port as the client wrote them, normalized). */
  hostHeader: string;
}

/** A target, or why the request cannot be proxied (answered with 400). */
export type TargetParse<Target> = { target: Target } | { problem: string };

const authorityPattern = /^(\[[^\]\s]*\]|[^\s:[\]]+):(\d{1,5})$/;

/** Parses the target of `CONNECT host:port`; the port is required, an IPv6 address must be bracketed. */
export function parseConnectTarget(authority: string): TargetParse<ProxyTarget> {
  const match = authorityPattern.exec(authority);
  if (match === null) return { problem: `CONNECT needs host:port, got "${printable(authority)}"` };
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return { problem: `port ${match[2]} is out of range` };
  const host = normalizeHost(match[1] ?? '');
  if (host === undefined)
    return { problem: `"${printable(match[1] ?? '')}" is not a host name or IP address` };
  return { target: { host, port } };
}

/** Parses an absolute-form request target (`http://host[:port]/path`); only `http:` is forwarded. */
export function parseAbsoluteTarget(requestTarget: string): TargetParse<ForwardTarget> {
  if (requestTarget.startsWith('/') || requestTarget === '*') {
    return {
      problem:
        'this is a proxy: send requests in absolute form (GET http://host/path) or tunnel with CONNECT host:port',
    };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(requestTarget)?.[1]?.toLowerCase();
  if (scheme !== 'http') {
    return {
      problem:
        scheme === 'https'
          ? 'https URLs go through a tunnel: send CONNECT host:443 (clients do this when HTTPS_PROXY is set)'
          : `only http URLs are forwarded, got "${printable(requestTarget)}"`,
    };
  }
  let url: URL;
  try {
    url = new URL(requestTarget);
  } catch {
    return { problem: `"${printable(requestTarget)}" is not a URL` };
  }
  if (url.username !== '' || url.password !== '') {
    return { problem: 'URLs with credentials (user:password@host) are not forwarded' };
  }
  const host = normalizeHost(url.hostname);
  if (host === undefined) return { problem: `"${printable(url.hostname)}" is not a host name or IP address` };
  const port = url.port === '' ? 80 : Number(url.port);
  return { target: { host, port, path: `${url.pathname}${url.search}`, hostHeader: url.host } };
}

/** `host:port` of a target, an IPv6 address in brackets. */
export function authorityOf(target: ProxyTarget): string {
  const { host, isAddress } = target.host;
  return `${isAddress && host.includes(':') ? `[${host}]` : host}:${target.port}`;
}

/** A client's text, shortened and stripped of control characters, fit to repeat in a message. */
export function printable(text: string): string {
  const cleaned = text.replace(/[^\x20-\x7e]/g, '?');
  return cleaned.length > 200 ? `${cleaned.slice(0, 200)}…` : cleaned;
}
