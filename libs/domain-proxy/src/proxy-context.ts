import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AddressPolicy } from '@ironcurtain/address-screen';
import { screenDestination, type HostLookup } from './destination-screen.js';
import type { DomainRules } from './domain-rules.js';
import { ConnectFailure, connectPinned } from './pinned-connection.js';
import type { ProxyStatus } from './proxy-responses.js';
import type { ProxyTarget } from './proxy-target.js';

/** One decision of the proxy on a destination, for the caller's log. */
export interface ProxyDecision {
  /** The normalized host the client asked for (a name, or an IP address). */
  host: string;
  port: number;
  isAllowed: boolean;
  /** Why it was refused. */
  reason?: string;
}

/** What the CONNECT and forwarding handlers share. */
export interface ProxyContext {
  rules: DomainRules;
  policy: AddressPolicy;
  lookup: HostLookup;
  connectTimeoutMs: number;
  /** Registers a socket that `close()` must end. */
  track(socket: Duplex): void;
  isClosed(): boolean;
  decide(decision: ProxyDecision): void;
}

/** A connected upstream socket, or the refusal to send. */
export type Connection = { socket: Socket } | { status: ProxyStatus; message: string };

/**
 * Screens a target (declared domain, then every resolved address) and connects to the checked addresses, within
 * the connect timeout, which bounds resolving and connecting together. Reports the decision. Never throws.
 */
export async function screenAndConnect(
  target: ProxyTarget,
  context: ProxyContext,
  request: string,
): Promise<Connection> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), context.connectTimeoutMs);
  const { host } = target.host;
  try {
    const screening = await screenDestination(target, { ...context, signal: controller.signal });
    if (!screening.isAllowed) {
      if (screening.status === 403) {
        context.decide({ host, port: target.port, isAllowed: false, reason: screening.reason });
      }
      return { status: screening.status, message: `refused ${request}: ${screening.reason}` };
    }
    context.decide({ host, port: target.port, isAllowed: true });
    const socket = await connectPinned(screening.addresses, target.port, controller.signal);
    if (context.isClosed()) {
      socket.destroy();
      return { status: 502, message: 'the proxy is closing' };
    }
    context.track(socket);
    return { socket };
  } catch (error) {
    if (error instanceof ConnectFailure) {
      return { status: error.status, message: `${request} failed: ${error.message}` };
    }
    return { status: 502, message: `${request} failed` };
  } finally {
    clearTimeout(timer);
  }
}
