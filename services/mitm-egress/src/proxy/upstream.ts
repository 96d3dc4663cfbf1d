import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { AddressPolicy } from '@ironcurtain/address-screen';

/** An origin to send a request to: what TLS verifies and the Host header name is always `host`. */
export interface UpstreamTarget {
  protocol: 'https:' | 'http:';
  host: string;
  port: number;
}

/** Resolves a host name to every address (injectable so tests can play a lying resolver). */
export type HostLookup = (hostname: string) => Promise<readonly LookupAddress[]>;

/** Options of {@link createUpstream}. */
export interface UpstreamOptions {
  /** Test only: connect to this address instead of resolving the host (TLS still verifies the host name). */
  overrides: ReadonlyMap<string, { host: string; port: number }>;
  /** Extra CA certificates (PEM) trusted besides the system roots, e.g. the test CA of fake upstreams. */
  extraCaPem: string | undefined;
  addressPolicy: AddressPolicy;
  lookup?: HostLookup;
}

/** Sends requests upstream over kept-alive connections, verifying TLS and screening every destination address. */
export interface Upstream {
  request(
    target: UpstreamTarget,
    options: { method: string; path: string; headers: OutgoingHttpHeaders },
  ): ClientRequest;
  destroy(): void;
}

/** The error code of a destination refused by the address screen. */
export const destinationRefusedCode = 'EGRESS_DESTINATION_REFUSED';

const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' });

/** Creates the upstream side: one keep-alive agent per scheme, whose lookup screens every resolved address. */
export function createUpstream(options: UpstreamOptions): Upstream {
  const lookup = screenedLookup(options.lookup ?? systemLookup, options.addressPolicy);
  const agentOptions = {
    keepAlive: true,
    keepAliveMsecs: 30_000,
    scheduling: 'lifo' as const,
    noDelay: true,
    lookup,
  };
  // A ready context rather than a `ca` list: the agent keys its pool by its TLS options, and a `ca` of every root
  // certificate would be joined into that key on every request.
  const secureContext =
    options.extraCaPem === undefined
      ? undefined
      : createSecureContext({ ca: [...rootCertificates, options.extraCaPem] });
  const httpsAgent = new HttpsAgent({
    ...agentOptions,
    ...(secureContext === undefined ? {} : { secureContext }),
  });
  const httpAgent = new HttpAgent(agentOptions);
  return {
    request(target, request) {
      const override = options.overrides.get(target.host.toLowerCase());
      const connectHost = override?.host ?? target.host;
      // A literal address skips the agent's lookup, so it is screened here.
      if (isIP(connectHost) !== 0) {
        const verdict = options.addressPolicy.check(connectHost);
        if (!verdict.isAllowed) throw refusedError(target.host, verdict.address, verdict.problem);
      }
      const isHttps = target.protocol === 'https:';
      return (isHttps ? httpsRequest : httpRequest)({
        agent: isHttps ? httpsAgent : httpAgent,
        host: connectHost,
        port: override?.port ?? target.port,
        ...(isHttps && isIP(target.host) === 0 ? { servername: target.host } : {}),
        method: request.method,
        path: request.path,
        headers: request.headers,
      });
    },
    destroy() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

// net.connect's lookup hook: every address the name resolves to must pass, and the connection uses those very
// addresses, so a DNS answer that changes between check and use cannot redirect it.
function screenedLookup(resolve: HostLookup, policy: AddressPolicy) {
  return (
    hostname: string,
    lookupOptions: LookupOneOptions | LookupAllOptions,
    callback: LookupCallback,
  ): void => {
    resolve(hostname).then(
      (addresses) => {
        for (const { address } of addresses) {
          const verdict = policy.check(address);
          if (!verdict.isAllowed)
            return callback(refusedError(hostname, verdict.address, verdict.problem), '');
        }
        const [first] = addresses;
        if (first === undefined)
          return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        if (lookupOptions.all === true) return callback(null, [...addresses]);
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

function refusedError(hostname: string, address: string, problem: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${hostname} resolves to ${address}, ${problem}; egress refuses it`), {
    code: destinationRefusedCode,
  });
}
