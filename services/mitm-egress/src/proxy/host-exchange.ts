import { performance } from 'node:perf_hooks';
import { pathOf } from '../domain/endpoint-patterns.js';
import { passthroughRequestHeaders } from '../domain/forward-headers.js';
import {
  elapsed,
  relay,
  sendRefusal,
  type AgentRequest,
  type AgentResponse,
  type RelayDependencies,
} from './relay.js';

/** A request inside a tunnel to a host added for the session. */
export interface HostExchangeTarget {
  host: string;
  sessionId: string;
  /** Path and query as the agent sent them. */
  path: string;
}

/**
 * Runs one request to a host added for the session: any method and path, the agent's headers as they are (the egress
 * holds no key for it), no usage accounting. Upgrades are refused; the destination screen still applies.
 */
export function runHostExchange(
  dependencies: RelayDependencies,
  request: AgentRequest,
  response: AgentResponse,
  target: HostExchangeTarget,
): void {
  const started = performance.now();
  const base = {
    host: target.host,
    method: request.method ?? 'GET',
    path: pathOf(target.path),
    mode: 'forward' as const,
  };
  const report = (outcome: Parameters<Parameters<typeof relay>[4]>[0]): void =>
    dependencies.reporter.request({ ...base, ...outcome, durationMs: elapsed(started) });
  if (request.headers['upgrade'] !== undefined) {
    const reason = 'protocol upgrades (websockets) are not proxied';
    sendRefusal(response, 403, reason);
    return report({ sessionId: target.sessionId, status: 403, bytes: 0, decision: 'deny', reason });
  }
  relay(
    dependencies,
    request,
    response,
    {
      target: { protocol: 'https:', host: target.host, port: 443 },
      path: target.path,
      headers: passthroughRequestHeaders(request.headers, target.host),
      sessionId: target.sessionId,
    },
    report,
  );
}
