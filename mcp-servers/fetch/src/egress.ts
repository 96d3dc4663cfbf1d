import type { AddressPolicy } from '@ironcurtain/address-screen';
import type { ProxyEndpoint } from './proxy-tunnel.js';
import { screenUrl, screenUrlWithoutResolving, type HostLookup } from './ssrf-guard.js';

/** Certificates to trust instead of the system's roots. Only tests set it (their servers use self-signed certs). */
export interface TlsTrust {
  ca?: string | string[];
}

/**
 * How the server reaches the outside, shared by http_fetch and web_search. Without a proxy (direct mode) it resolves
 * names itself with `lookup` and pins each connection to the checked address; with one (proxy mode: the sandbox has
 * no network but a loopback bridge to IronCurtain's domain-filtering proxy) every request is a CONNECT tunnel through
 * it and nothing is resolved here.
 */
export interface Egress {
  lookup: HostLookup;
  policy: AddressPolicy;
  proxy?: ProxyEndpoint | undefined;
  tls?: TlsTrust | undefined;
}

/** How one request reaches its host. */
export type Route =
  /** Direct, to the address the guard checked, never resolving again. */
  | { kind: 'pinned'; address: string; family: 4 | 6 }
  /** Direct, resolved by the system: only for endpoints the operator configured. */
  | { kind: 'resolved' }
  /** `CONNECT host:port` through the proxy, which resolves and screens the name itself. */
  | { kind: 'tunnel'; proxy: ProxyEndpoint };

/**
 * Runs the SSRF guard on a URL the agent chose (or a redirect led to) and returns its route: pinned to the checked
 * address in direct mode; in proxy mode, the checks that need no DNS and then the tunnel. Throws DESTINATION_REFUSED.
 */
export async function screenedRoute(url: URL, egress: Egress, signal: AbortSignal): Promise<Route> {
  if (egress.proxy !== undefined) {
    screenUrlWithoutResolving(url, egress.policy);
    return { kind: 'tunnel', proxy: egress.proxy };
  }
  const target = await screenUrl(url, { lookup: egress.lookup, policy: egress.policy, signal });
  return { kind: 'pinned', address: target.address, family: target.family };
}

/**
 * The route to an endpoint the operator configured (a search base URL set explicitly), which the guard does not
 * screen: resolved by the system in direct mode, through the proxy (which screens it) in proxy mode.
 */
export function configuredRoute(egress: Egress): Route {
  return egress.proxy === undefined ? { kind: 'resolved' } : { kind: 'tunnel', proxy: egress.proxy };
}
