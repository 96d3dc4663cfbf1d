export { createDomainProxy } from './domain-proxy.js';
export type { DomainProxy, DomainProxyOptions } from './domain-proxy.js';
export type { ProxyDecision } from './proxy-context.js';
export type { HostLookup, ResolvedAddress } from './destination-screen.js';
