import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalAddress, createAddressPolicy, metadataAddresses } from '@ironcurtain/address-screen';
import { publish, serve, serviceOf, type Bus } from '@ironcurtain/bus';
import { resolveHome } from '@ironcurtain/config';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { Logger } from '@ironcurtain/log';
import {
  EgressLlmUsageEvent,
  EgressRequestEvent,
  EgressSessionClose,
  EgressSessionHosts,
  EgressSessionOpen,
} from '@ironcurtain/proto-schemas';
import type { RunningService } from '@ironcurtain/runtime';
import type { Config } from './config.js';
import { createProviders, indexProviders } from './domain/providers.js';
import { sessionCloseHandler } from './handlers/session-close.js';
import { sessionHostsHandler } from './handlers/session-hosts.js';
import { sessionOpenHandler } from './handlers/session-open.js';
import { loadOrCreateCertificateAuthority } from './proxy/certificate-authority.js';
import { createLeafCache } from './proxy/leaf-cache.js';
import type { ExchangeReporter } from './proxy/relay.js';
import { createProxyServer, onTunnelRequest, type ProxyServerDependencies } from './proxy/proxy-server.js';
import { openSessionRegistry } from './proxy/session-registry.js';
import { createTlsInterceptor } from './proxy/tls-interceptor.js';
import { createUpstream, type HostLookup } from './proxy/upstream.js';

/** The running egress; `address()` tells where the proxy listens once started. */
export interface MitmEgressService extends RunningService {
  address(): { port: number | undefined; socketPath: string | undefined; caCertificatePath: string };
}

/** Wires the mitm-egress: CA, providers, session registry (KV), the proxy listeners and the session endpoints. */
export function createMitmEgressService(dependencies: {
  bus: Bus;
  config: Config;
  logger: Logger;
  /** Tests only: a resolver that answers what the test needs (a name that resolves to a private address). */
  lookup?: HostLookup;
}): MitmEgressService {
  const { bus, config, logger } = dependencies;
  let stopAll: (() => Promise<void>) | undefined;
  let listening: ReturnType<MitmEgressService['address']> | undefined;
  return {
    address() {
      if (listening === undefined) throw new Error('mitm-egress is not started');
      return listening;
    },
    async start() {
      const caDirectory = config.EGRESS_CA_DIR ?? join(resolveHome(config.IRONCURTAIN_HOME), 'ca');
      const authority = await loadOrCreateCertificateAuthority(caDirectory);
      const providerList = createProviders(
        {
          anthropic: config.ANTHROPIC_API_KEY,
          openai: config.OPENAI_API_KEY,
          google: config.GEMINI_API_KEY ?? config.GOOGLE_GENERATIVE_AI_API_KEY ?? config.GOOGLE_API_KEY,
        },
        (config.EGRESS_OPENAI_COMPATIBLE ?? []).map((endpoint) => ({
          ...endpoint,
          apiKey: config.compatibleKeys[endpoint.name],
        })),
        {
          anthropic: config.EGRESS_ANTHROPIC_BASE_URL,
          openai: config.EGRESS_OPENAI_BASE_URL,
          google: config.EGRESS_GOOGLE_BASE_URL,
        },
      );
      const providers = indexProviders(providerList);
      const upstream = createUpstream({
        overrides: parseOverrides(config.EGRESS_UPSTREAM_OVERRIDES ?? {}),
        extraCaPem:
          config.EGRESS_UPSTREAM_CA_FILE === undefined
            ? undefined
            : await readFile(config.EGRESS_UPSTREAM_CA_FILE, 'utf8'),
        addressPolicy: createAddressPolicy(allowedAddresses(config.EGRESS_ALLOW_ADDRESSES)),
        ...(dependencies.lookup === undefined ? {} : { lookup: dependencies.lookup }),
      });
      const registry = await openSessionRegistry(bus, logger);
      const proxyDependencies: ProxyServerDependencies = {
        providers,
        upstream,
        reporter: busReporter(bus, logger),
        ownerOf: (sentinel) => registry.ownerOf(sentinel),
        isProxyTokenValid: (sessionId, token) => registry.isProxyTokenValid(sessionId, token),
        hostsOf: (sessionId) => registry.hostsOf(sessionId),
        interceptor: createTlsInterceptor(createLeafCache(authority), (request, response, tunnel) =>
          onTunnelRequest(proxyDependencies, request, response, tunnel),
        ),
      };
      const proxy = createProxyServer(proxyDependencies);
      const bound = await proxy.listen({
        host: config.EGRESS_HOST,
        port: config.EGRESS_PORT,
        socketPath: config.EGRESS_SOCKET,
      });
      listening = { ...bound, caCertificatePath: authority.certificatePath };
      await serve(
        bus,
        EgressSessionOpen,
        sessionOpenHandler(registry, providerList, authority.certificatePem),
      );
      await serve(bus, EgressSessionClose, sessionCloseHandler(registry));
      await serve(bus, EgressSessionHosts, sessionHostsHandler(registry, providers));
      logger.info(
        {
          ...listening,
          providers: providerList.map((provider) => provider.name),
          upstreams: Object.fromEntries(
            providerList.map((provider) => [provider.name, provider.upstream.origin.host]),
          ),
        },
        'proxy listening',
      );
      stopAll = async () => {
        await proxy.close();
        registry.stop();
        upstream.destroy();
      };
    },
    async stop() {
      await stopAll?.();
      await (await serviceOf(bus)).stop();
    },
  };
}

function busReporter(bus: Bus, logger: Logger): ExchangeReporter {
  const send = (work: () => void): void => {
    try {
      work();
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'could not publish an egress event');
    }
  };
  return {
    request(report) {
      if (report.decision === 'deny') logger.info({ ...report }, 'refused');
      else logger.debug({ ...report }, 'proxied');
      send(() => publish(bus, EgressRequestEvent, report, { sessionId: report.sessionId }));
    },
    usage(sessionId, provider, usage) {
      send(() => publish(bus, EgressLlmUsageEvent, { sessionId, provider, ...usage }, { sessionId }));
    },
  };
}

function parseOverrides(overrides: Record<string, string>): Map<string, { host: string; port: number }> {
  return new Map(
    Object.entries(overrides).map(([name, target]) => {
      const colon = target.lastIndexOf(':');
      return [
        name.toLowerCase(),
        { host: target.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(target.slice(colon + 1)) },
      ];
    }),
  );
}

function allowedAddresses(list: string | undefined): string[] {
  const addresses = (list ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
  return addresses.map((address) => {
    let canonical: string;
    try {
      canonical = canonicalAddress(address);
    } catch {
      throw new AppError(ErrorCode.ConfigInvalid, `EGRESS_ALLOW_ADDRESSES: ${address} is not an IP address`);
    }
    if (metadataAddresses.includes(canonical)) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `EGRESS_ALLOW_ADDRESSES: ${address} is a cloud metadata endpoint`,
      );
    }
    return canonical;
  });
}
