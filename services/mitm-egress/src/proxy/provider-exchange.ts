import { performance } from 'node:perf_hooks';
import {
  judgeCredentials,
  presentedCredentials,
  realKeyHeaders,
  withoutQueryKey,
  type SentinelOwner,
} from '../domain/credentials.js';
import { pathOf } from '../domain/endpoint-patterns.js';
import { upstreamRequestHeaders } from '../domain/forward-headers.js';
import type { Provider } from '../domain/providers.js';
import {
  elapsed,
  relay,
  sendRefusal,
  type AgentRequest,
  type AgentResponse,
  type RelayDependencies,
  type RequestReport,
} from './relay.js';

/** What an exchange needs from the rest of the proxy. */
export interface ExchangeDependencies extends RelayDependencies {
  ownerOf(sentinel: string): SentinelOwner | undefined;
}

/** One request to a provider, as the proxy received it in forward or reverse mode. */
export interface ExchangeTarget {
  mode: 'forward' | 'reverse';
  provider: Provider;
  /** Path and query as the upstream will see them (before `?key=` is removed). */
  path: string;
  /** The session the CONNECT tunnel was authenticated for, if the agent sent proxy credentials. */
  tunnelSessionId?: string | undefined;
}

/**
 * Runs one request to a provider: endpoint allowlist, sentinel check, key swap, then the relay upstream. Every
 * outcome, allowed or refused, is reported once.
 */
export function runExchange(
  dependencies: ExchangeDependencies,
  request: AgentRequest,
  response: AgentResponse,
  target: ExchangeTarget,
): void {
  const started = performance.now();
  const { provider } = target;
  const method = request.method ?? 'GET';
  const base = {
    host: provider.host,
    method,
    path: pathOf(target.path),
    provider: provider.name,
    mode: target.mode,
  };
  const report = (outcome: Omit<RequestReport, keyof typeof base | 'durationMs'>): void =>
    dependencies.reporter.request({ ...base, ...outcome, durationMs: elapsed(started) });
  const refuse = (status: number, reason: string, sessionId?: string): void => {
    sendRefusal(response, status, reason);
    report({ sessionId, status, bytes: 0, decision: 'deny', reason });
  };

  const query = new URLSearchParams(
    target.path.includes('?') ? target.path.slice(target.path.indexOf('?') + 1) : '',
  );
  const credentials = presentedCredentials(request.headers, query);
  const verdict = judgeCredentials(credentials, provider, dependencies.ownerOf, target.tunnelSessionId);
  // Refusals are attributed to the session whose sentinel (or tunnel) they came with, so its trail shows them.
  const knownSessionId = verdict.isAllowed ? verdict.sessionId : target.tunnelSessionId;
  if (!provider.endpoints.isAllowed(method, target.path)) {
    return refuse(403, `${method} ${base.path} is not an allowed ${provider.name} endpoint`, knownSessionId);
  }
  if (request.headers['upgrade'] !== undefined) {
    return refuse(403, 'protocol upgrades (websockets) are not proxied', knownSessionId);
  }
  if (!verdict.isAllowed) return refuse(403, verdict.reason, target.tunnelSessionId);
  const { sessionId } = verdict;
  if (provider.realKey === undefined && provider.realKeySource !== undefined) {
    return refuse(503, `mitm-egress has no ${provider.name} key: set ${provider.realKeySource}`, sessionId);
  }
  // The upstream is the provider's own origin, or the base URL configured for it (the allowlist checked the path the
  // agent sent; the route maps it onto the base URL's path).
  const { origin, toUpstreamPath } = provider.upstream;
  const isDefaultPort = origin.port === (origin.protocol === 'https:' ? 443 : 80);
  const headers = upstreamRequestHeaders(
    request.headers,
    isDefaultPort ? origin.host : `${origin.host}:${origin.port}`,
    realKeyHeaders(provider),
  );
  relay(
    dependencies,
    request,
    response,
    {
      target: origin,
      path: toUpstreamPath(withoutQueryKey(target.path)),
      headers,
      sessionId,
      usage: { provider: provider.name, format: provider.usageFormat },
    },
    report,
  );
}
