import { lookup as dnsLookup } from 'node:dns/promises';
import type { AddressPolicy } from '@ironcurtain/address-screen';
import type { DomainRules } from './domain-rules.js';
import type { ProxyTarget } from './proxy-target.js';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has. */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The operating system's resolver (getaddrinfo, so /etc/hosts counts): every address, in the resolver's order. */
export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' });

/** What the screen needs: the declared domains, the address policy, the resolver and the caller's deadline. */
export interface ScreenContext {
  rules: DomainRules;
  policy: AddressPolicy;
  lookup: HostLookup;
  signal: AbortSignal;
}

/** The addresses to connect to, in order, all checked; or the refusal with its HTTP status. */
export type Screening =
  | { isAllowed: true; addresses: readonly ResolvedAddress[] }
  | { isAllowed: false; status: 403 | 502 | 504; reason: string };

// Names of cloud metadata services. They resolve to refused addresses anyway; refusing the name keeps the reason
// clear and survives a resolver that answers something unexpected.
const metadataHostnames = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);

/**
 * Decides whether the proxy may connect to a target: the host must be declared, and every address it resolves to
 * must pass the address policy (a name answering one public and one private address is refused: the connection
 * could land on either). The name is resolved once; the caller connects to the returned addresses only.
 */
export async function screenDestination(target: ProxyTarget, context: ScreenContext): Promise<Screening> {
  const { host } = target.host;
  if (!context.rules.isDeclared(target.host)) {
    const declared = context.rules.declared.length === 0 ? 'none' : context.rules.declared.join(', ');
    const kind = target.host.isAddress ? 'the IP address' : 'the host';
    return refusal(
      403,
      `${kind} ${host} is not among the domains this server may reach (declared: ${declared})`,
    );
  }
  if (metadataHostnames.has(host)) return refusal(403, `${host} is a cloud metadata service`);
  let addresses: readonly ResolvedAddress[];
  if (target.host.isAddress) {
    addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  } else {
    try {
      addresses = await abortable(context.lookup(host), context.signal);
    } catch (error) {
      if (context.signal.aborted) return refusal(504, `resolving ${host} took too long`);
      return refusal(502, `could not resolve ${host} (${errorCodeText(error)})`);
    }
  }
  if (addresses.length === 0) return refusal(502, `${host} resolved to no address`);
  for (const { address } of addresses) {
    const verdict = context.policy.check(address);
    if (verdict.isAllowed) continue;
    const subject = target.host.isAddress
      ? `${verdict.address} is ${verdict.problem}`
      : `${host} resolves to ${verdict.address}, which is ${verdict.problem}`;
    return refusal(403, `${subject}; the network filter only connects to public internet addresses`);
  }
  return { isAllowed: true, addresses };
}

function refusal(status: 403 | 502 | 504, reason: string): Screening {
  return { isAllowed: false, status, reason };
}

function errorCodeText(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'resolver error';
}

/** Settles with `promise`, or rejects as soon as the signal aborts (a lookup itself cannot be cancelled). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
