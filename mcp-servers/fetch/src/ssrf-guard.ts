import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppError } from '@ironcurtain/errors';
import type { AddressPolicy } from '@ironcurtain/address-screen';
import { FetchErrorCode } from './error-codes.js';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses. Injected so tests can play a DNS server that lies. */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The operating system's resolver (getaddrinfo, so /etc/hosts counts), every address, in the resolver's order. */
export const systemLookup: HostLookup = async (hostname) => {
  const addresses = await dnsLookup(hostname, { all: true, order: 'verbatim' });
  return addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/** A URL that passed the guard, with the one address the connection must use. */
export interface ScreenedTarget {
  url: URL;
  /** The host name without IPv6 brackets: what TLS (SNI, certificate check) and the Host header use. */
  hostname: string;
  /** The checked address the connection is pinned to. */
  address: string;
  family: 4 | 6;
}

/** What {@link screenUrl} needs: a resolver, the address policy, and the caller's deadline. */
export interface ScreenOptions {
  lookup: HostLookup;
  policy: AddressPolicy;
  signal: AbortSignal;
}

// Names of cloud metadata services. They resolve to 169.254.169.254 (refused anyway); refusing the name as well
// keeps the error clear and survives a resolver that answers something unexpected.
const metadataHostnames = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);

/**
 * The SSRF guard. Refuses anything but http(s), URLs with credentials, cloud metadata names, and any host that
 * resolves to even one address the policy refuses (a name answering one public and one private address is refused:
 * the connection could land on either). Returns the first address, which the caller must connect to (never
 * resolving again), so a DNS answer that changes between check and use (rebinding) cannot move the connection.
 */
export async function screenUrl(url: URL, options: ScreenOptions): Promise<ScreenedTarget> {
  const hostname = checkedHostname(url);
  const addresses = isIP(hostname) === 0 ? await resolveName(hostname, options) : [literalAddress(hostname)];
  checkAddresses(hostname, addresses, options.policy);
  const [pinned] = addresses;
  if (pinned === undefined) throw upstreamFailed(`${hostname} resolved to no address.`);
  return { url, hostname, address: pinned.address, family: pinned.family };
}

/**
 * The guard in proxy mode, where nothing is resolved here (the sandbox has no DNS; the proxy resolves and screens
 * names itself): the scheme and credentials checks, IP-literal hosts judged by the policy (allowances included), and
 * names that always mean an internal service (cloud metadata, `localhost` and `*.localhost`) refused without asking
 * anyone.
 */
export function screenUrlWithoutResolving(url: URL, policy: AddressPolicy): void {
  const hostname = checkedHostname(url);
  if (isIP(hostname) !== 0) return checkAddresses(hostname, [literalAddress(hostname)], policy);
  const name = refuseMetadataName(hostname);
  if (name === 'localhost' || name.endsWith('.localhost')) {
    throw refused(
      `Refused: ${hostname} is a name of the machine's own loopback. http_fetch only connects to public internet ` +
        'addresses.',
    );
  }
}

// Scheme, credentials and an empty host; returns the host without IPv6 brackets.
function checkedHostname(url: URL): string {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refused(`${url.protocol} URLs are not fetched; http_fetch only fetches http and https URLs.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw refused(
      'URLs with credentials (user:password@host) are refused; send an Authorization header instead.',
    );
  }
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (hostname === '') throw refused(`${url.href} has no host name.`);
  return hostname;
}

function checkAddresses(
  hostname: string,
  addresses: readonly ResolvedAddress[],
  policy: AddressPolicy,
): void {
  for (const { address } of addresses) {
    const verdict = policy.check(address);
    if (!verdict.isAllowed) throw refused(refusalMessage(hostname, verdict.address, verdict.problem));
  }
}

// Returns the name in the form it is compared in (lower case, no trailing dots).
function refuseMetadataName(hostname: string): string {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  if (metadataHostnames.has(name)) {
    throw refused(`${hostname} is a cloud metadata service; http_fetch never fetches it.`);
  }
  return name;
}

async function resolveName(hostname: string, options: ScreenOptions): Promise<readonly ResolvedAddress[]> {
  refuseMetadataName(hostname);
  try {
    return await abortable(options.lookup(hostname), options.signal);
  } catch (error) {
    if (options.signal.aborted) throw error;
    throw upstreamFailed(
      `Could not resolve ${hostname} (${errorCodeText(error)}); check the host name.`,
      error,
    );
  }
}

function literalAddress(hostname: string): ResolvedAddress {
  return { address: hostname, family: isIP(hostname) === 6 ? 6 : 4 };
}

function refusalMessage(hostname: string, address: string, problem: string): string {
  const subject =
    isIP(hostname) !== 0
      ? `${address} is ${problem}`
      : `${hostname} resolves to ${address}, which is ${problem}`;
  return (
    `Refused: ${subject}. http_fetch only connects to public internet addresses. An operator who deliberately ` +
    'wants a local service reachable lists its exact address in FETCH_ALLOW_ADDRESSES in the fetch server environment.'
  );
}

function refused(message: string): AppError {
  return new AppError(FetchErrorCode.DestinationRefused, message);
}

function upstreamFailed(message: string, cause?: unknown): AppError {
  return new AppError(FetchErrorCode.UpstreamFailed, message, { cause, retryable: true });
}

function errorCodeText(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'resolver error';
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts (a lookup cannot be cancelled). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
