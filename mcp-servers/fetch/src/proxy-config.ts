import { isIP } from 'node:net';
import { z } from 'zod';
import { canonicalAddress } from '@ironcurtain/address-screen';
import type { ProxyEndpoint } from './proxy-tunnel.js';

/**
 * The variables that put the server in proxy mode. All traffic (http and https targets alike) goes through one
 * proxy with CONNECT, so they are one setting: every one that is set must be valid, and they must all name the same
 * proxy. NO_PROXY is not read: in the sandbox nothing but the proxy is reachable.
 */
export const proxyVariables = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] as const;

type ProxyVariable = (typeof proxyVariables)[number];

const expectedForm = "expected http://127.0.0.1:<port>, the sandbox's bridge to the proxy";

/** Why `text` is not a usable proxy URL, or undefined when it is. */
export function proxyUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `is not a URL; ${expectedForm}`;
  }
  if (url.protocol !== 'http:') {
    return `must be an http:// URL (CONNECT to the proxy is plain HTTP), not ${url.protocol}//; ${expectedForm}`;
  }
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (user:password@)';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!isLoopbackAddress(host)) {
    return (
      'must name a loopback IP address (127.0.0.0/8 or [::1]; not a name such as localhost: proxy mode resolves ' +
      `no names); ${expectedForm}`
    );
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    return `must be only a scheme, address and port, without a path; ${expectedForm}`;
  }
  return undefined;
}

function isLoopbackAddress(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && canonicalAddress(host) === '::1';
}

// An empty variable counts as unset, the way shells and compose files write "no value".
const proxyUrl = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z
    .string()
    .optional()
    .superRefine((value, context) => {
      const problem = value === undefined ? undefined : proxyUrlProblem(value);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    }),
);

/** The proxy variables' fields, to spread into the server's environment schema. */
export const proxyFields = {
  https_proxy: proxyUrl,
  HTTPS_PROXY: proxyUrl,
  http_proxy: proxyUrl,
  HTTP_PROXY: proxyUrl,
};

type ProxyValues = Partial<Record<ProxyVariable, string | undefined>>;

/** Adds an issue on each proxy variable that names another proxy than the first valid one set. */
export function checkProxiesAgree(values: ProxyValues, context: z.RefinementCtx): void {
  // Invalid values already have their own issue (zod runs this check regardless).
  const set = proxyVariables.filter((variable) => {
    const value = values[variable];
    return value !== undefined && proxyUrlProblem(value) === undefined;
  });
  const [first] = set;
  if (first === undefined) return;
  const origin = new URL(values[first] ?? '').origin;
  for (const variable of set.slice(1)) {
    if (new URL(values[variable] ?? '').origin === origin) continue;
    context.addIssue({
      code: 'custom',
      path: [variable],
      message:
        `names another proxy than ${first} (${origin}); the fetch server sends all its traffic through one proxy, ` +
        'so set these variables alike or unset all but one',
    });
  }
}

/** The proxy the variables name (they agree once parsed), or undefined for direct mode. */
export function proxyEndpoint(values: ProxyValues): ProxyEndpoint | undefined {
  const set = proxyVariables.filter((variable) => values[variable] !== undefined);
  const [first] = set;
  if (first === undefined) return undefined;
  const url = new URL(values[first] ?? '');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: url.port === '' ? 80 : Number(url.port), url: url.origin, variables: set };
}
