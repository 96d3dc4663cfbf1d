import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createDomainProxy, type DomainProxy } from '@ironcurtain/domain-proxy';
import { lookupWithOverrides, type HostOverrides } from './host-overrides.js';

/** How the gateway runs the network filters of its servers. */
export interface NetworkFilterSettings {
  /** A private folder (0700) for the filters' unix sockets: short, since a socket path has at most 107 bytes. */
  socketDirectory: string;
  /** Exact addresses let through although the address screen refuses them (MCPGW_SERVER_ALLOW_ADDRESSES). */
  allowedAddresses: readonly string[];
  /** Names resolved without DNS (MCPGW_SERVER_RESOLVE); the answer is screened like any other. */
  resolvedHosts?: HostOverrides;
  /** Told each connection a filter lets through or refuses, for the log. */
  onDecision(decision: {
    serverName: string;
    sessionId: string;
    host: string;
    port: number;
    isAllowed: boolean;
    reason?: string | undefined;
  }): void;
}

/** One server instance's network filter: started on first use, the same socket across restarts. */
export interface ServerNetworkFilter {
  /** The unix socket the server's sandbox binds in; starts the filter if it is not running. */
  socketPath(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The network filter of one server instance (`@ironcurtain/domain-proxy`): an HTTP(S) proxy on a unix socket that
 * lets through only the domains the server declares, screened after DNS (or after MCPGW_SERVER_RESOLVE, which answers
 * the names it lists before DNS is asked). The sandbox has no other way out.
 */
export function createServerNetworkFilter(
  settings: NetworkFilterSettings,
  instance: { serverName: string; sessionId: string; allowedDomains: readonly string[] },
): ServerNetworkFilter {
  let proxy: Promise<DomainProxy> | undefined;
  const path = join(settings.socketDirectory, `${randomUUID().slice(0, 18)}.sock`);
  return {
    socketPath: async () => {
      proxy ??= createDomainProxy({
        socketPath: path,
        allowedDomains: instance.allowedDomains,
        allowedAddresses: settings.allowedAddresses,
        lookup: lookupWithOverrides(settings.resolvedHosts ?? {}),
        onDecision: (decision) =>
          settings.onDecision({
            serverName: instance.serverName,
            sessionId: instance.sessionId,
            ...decision,
          }),
      }).catch((error: unknown) => {
        proxy = undefined; // the next start tries again
        throw error;
      });
      return (await proxy).socketPath;
    },
    close: async () => {
      const running = proxy;
      proxy = undefined;
      await (await running?.catch(() => undefined))?.close();
    },
  };
}
