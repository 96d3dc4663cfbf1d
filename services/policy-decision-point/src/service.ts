import { homedir } from 'node:os';
import { publish, request, requestUntilSettled, serve, serviceOf, type Bus } from '@ironcurtain/bus';
import { resolveHome } from '@ironcurtain/config';
import { shippedMcpConfigPath } from '@ironcurtain/default-policy';
import { createDecisionSigner } from '@ironcurtain/decision-token';
import type { Logger } from '@ironcurtain/log';
import { checkWorkspace, hostWorkspaceFileSystem, workspacePlacesOf } from '@ironcurtain/policy-engine';
import { watchActivePolicy } from '@ironcurtain/policy-store';
import { readMcpConfig, serverDomainsOf } from '@ironcurtain/mcp-config';
import {
  AuditAppend,
  AuditCallRecords,
  EscalationOpen,
  maximumToolArgumentBytes,
  mcpgwExecuteAt,
  McpgwPrepare,
  PdpDecisionEvent,
  PdpEvaluate,
  PdpToolCall,
  type RequestOf,
} from '@ironcurtain/proto-schemas';
import type { RunningService } from '@ironcurtain/runtime';
import type { Config } from './config.js';
import type { CallLifecycleDependencies } from './domain/call-lifecycle.js';
import { createCircuitBreaker } from './domain/circuit-breaker.js';
import { createPolicyHolder } from './domain/policy-holder.js';
import { createSessionSandboxes } from './domain/session-sandbox.js';
import { openSessionRecords } from './session-records.js';
import { defaultKeyFile, loadSigningSeed } from './domain/signing-key.js';
import { createEvaluateHandler } from './handlers/evaluate.js';
import { createCallsInFlight } from './domain/calls-in-flight.js';
import { createUnrecordedDenials } from './domain/unrecorded-denials.js';
import { createToolCallHandler } from './handlers/toolcall.js';

/** Wires the policy-decision-point: the active policy from KV, the signer, and its two endpoints. */
export function createPolicyDecisionPointService(dependencies: {
  bus: Bus;
  config: Config;
  logger: Logger;
  cwd?: string;
}): RunningService {
  const { bus, config, logger } = dependencies;
  const home = resolveHome(config.IRONCURTAIN_HOME);
  let stopWatching: (() => void) | undefined;
  const pendingOutcomes = new Set<Promise<void>>();
  const appendRecord = async (record: RequestOf<typeof AuditAppend>['record']): Promise<void> => {
    await request(bus, AuditAppend, { record }, { timeoutMs: config.PDP_AUDIT_TIMEOUT_MS });
  };
  const unrecordedDenials = createUnrecordedDenials({
    append: appendRecord,
    retryMs: 2000,
    maxHeld: 10_000,
    onDropped: (reason) => logger.warn({ reason }, 'a denial held for the trail was dropped'),
    onRecorded: (count) => logger.info({ count }, 'denials held while the trail was down are recorded'),
  });
  return {
    async start() {
      const holder = createPolicyHolder({
        home,
        homeDir: homedir(),
        cwd: config.PDP_PROTECTED_CWD ?? dependencies.cwd ?? home,
        mcpConfigPath: config.IRONCURTAIN_MCP_CONFIG ?? shippedMcpConfigPath,
        trustedServers: config.PDP_TRUSTED_SERVERS,
        // The same config the gateway runs (the shipped one unless IRONCURTAIN_MCP_CONFIG names another): its
        // declared domains are the domain gates, so decisions do not depend on whether the variable is set.
        serverDomains: serverDomainsOf(
          await readMcpConfig(config.IRONCURTAIN_MCP_CONFIG ?? shippedMcpConfigPath),
        ),
      });
      stopWatching = await watchActivePolicy(bus, (policy) => holder.activate(policy), logger);
      const sessionRecords = await openSessionRecords(bus);
      const mcpConfigPath = config.IRONCURTAIN_MCP_CONFIG ?? shippedMcpConfigPath;
      const sandboxes = createSessionSandboxes({
        home,
        readRecord: sessionRecords.read,
        checkWorkspace: (path) =>
          checkWorkspace(
            path,
            workspacePlacesOf({ ironcurtainHome: home, processHome: homedir(), mcpConfigPath }),
            hostWorkspaceFileSystem,
          ),
      });
      const seed = await loadSigningSeed(
        config.PDP_SIGNING_SEED,
        config.PDP_SIGNING_KEY_FILE ?? defaultKeyFile(home),
      );
      const lifecycle: CallLifecycleDependencies = {
        home,
        policy: holder,
        sandboxes,
        breaker: createCircuitBreaker({
          maxIdenticalCalls: config.PDP_BREAKER_MAX_IDENTICAL_CALLS,
          windowMs: config.PDP_BREAKER_WINDOW_MS,
        }),
        signer: createDecisionSigner(seed, config.PDP_DECISION_TTL_MS),
        prepare: (payload) =>
          request(bus, McpgwPrepare, payload, { timeoutMs: config.PDP_PREPARE_TIMEOUT_MS }),
        // Long-poll: the router answers "pending" after waitSeconds and is asked again (same callId, idempotent),
        // so a router that restarts meanwhile is asked again instead of leaving this call waiting for nothing.
        openEscalation: (payload) =>
          requestUntilSettled(
            bus,
            EscalationOpen,
            { ...payload, waitSeconds: config.PDP_ESCALATION_WAIT_SECONDS },
            {
              isSettled: (answer) => answer.status !== 'pending',
              attemptTimeoutMs: config.PDP_ESCALATION_WAIT_SECONDS * 1000 + 5000,
              deadlineMs: config.PDP_ESCALATION_TIMEOUT_MS,
              // No router at all: deny now. A router that answered and then vanished is restarting: ask again.
              isFirstNoRespondersFinal: true,
              noRespondersGraceMs: config.PDP_ESCALATION_ROUTER_GRACE_MS,
            },
          ),
        callRecords: (sessionId, callId) =>
          request(bus, AuditCallRecords, { sessionId, callId }, { timeoutMs: config.PDP_AUDIT_TIMEOUT_MS }),
        appendAudit: appendRecord,
        holdUnrecordedDenial: (record) => unrecordedDenials.hold(record),
        execute: (payload, executor) =>
          request(bus, mcpgwExecuteAt(executor), payload, { timeoutMs: config.PDP_EXECUTE_TIMEOUT_MS }),
        publishDecision: (event) => publish(bus, PdpDecisionEvent, event),
        trackOutcome: (append) => {
          pendingOutcomes.add(append);
          void append.finally(() => pendingOutcomes.delete(append));
        },
        // The server's limit, as it announced it on connect (nats-server's default is 1 MiB).
        maxArgumentBytes: () => maximumToolArgumentBytes(bus.connection.info?.max_payload ?? 1024 * 1024),
        now: () => new Date(),
      };
      await serve(bus, PdpToolCall, createToolCallHandler(lifecycle, createCallsInFlight({ now: Date.now })));
      await serve(bus, PdpEvaluate, createEvaluateHandler(lifecycle));
    },
    async stop() {
      stopWatching?.();
      await (await serviceOf(bus)).stop();
      // Outcome records still on their way are written before the connection closes.
      await Promise.all(pendingOutcomes);
      unrecordedDenials.stop();
      if (unrecordedDenials.held() > 0) await unrecordedDenials.flush();
    },
  };
}
