// Small stand-ins for the gateway, audit-writer and escalation-router, on the real bus. The gateway canonicalizes
// with the real engine and verifies decisions with the real verifier, and reads real files; later issues replace these
// with the real services in the end-to-end suite.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connectBus, publish, serve, subscribe, type Bus } from '@ironcurtain/bus';
import {
  createDecisionVerifier,
  createMemoryNonceStore,
  type Verification,
} from '@ironcurtain/decision-token';
import { AppError } from '@ironcurtain/errors';
import { z } from 'zod';
import {
  canonicalizeCall,
  computeArgsHash,
  resolveToolAnnotation,
  type LoadedPolicy,
} from '@ironcurtain/policy-engine';
import {
  AuditAppend,
  AuditDecisionDurableEvent,
  decisionDurableEventOf,
  EscalationOpen,
  type McpgwExecute,
  mcpgwExecuteAt,
  McpgwPrepare,
  type ParsedRequestOf,
  type ResponseOf,
} from '@ironcurtain/proto-schemas';

type ExecuteRequest = ParsedRequestOf<typeof McpgwExecute>;

// Prepare as the stand-in sends it: its replies are not checked on the way out, so a test can send one the contract
// refuses and see what the PDP makes of it.
const PrepareAsSent = { ...McpgwPrepare, response: z.unknown() };

/**
 * A gateway stand-in: real canonicalization and real decision verification. Like the real gateway it has an instance
 * id, names it in prepare replies and runs decisions addressed to it on `mcpgw.execute.v1.<id>` (nonces in memory).
 * `state.advertise` makes prepare name another instance (e.g. one that is gone) for its next `advertiseCount` replies;
 * `state.omitsExecutor` makes valid prepare replies name none (which the contract refuses).
 */
export async function startGateway(
  url: string,
  policy: () => LoadedPolicy,
  homeDir: string,
  trustedSigner: () => string,
) {
  const instanceId = randomUUID();
  const bus = await connectBus({ url, name: 'mcp-gateway' });
  const executed: ExecuteRequest[] = [];
  /** Every execute whose decision verified, run or not: what the gateway held. */
  const held: ExecuteRequest[] = [];
  const refusals: Verification[] = [];
  const prepared: string[] = [];
  const state: { advertise?: string | undefined; advertiseCount: number; omitsExecutor: boolean } = {
    advertiseCount: 0,
    omitsExecutor: false,
  };
  const nonceStore = createMemoryNonceStore();
  const verify = (
    signed: ExecuteRequest['decision'],
    expected: Parameters<ReturnType<typeof createDecisionVerifier>>[1],
    now?: number,
  ) =>
    createDecisionVerifier({
      trustedSigners: [trustedSigner()],
      nonceStore,
      expectedAudience: instanceId,
    })(signed, expected, now);
  const executor = (): string | undefined => {
    if (state.omitsExecutor) return undefined;
    if (state.advertise === undefined || state.advertiseCount <= 0) return instanceId;
    state.advertiseCount -= 1;
    return state.advertise;
  };
  await serve(bus, PrepareAsSent, (request) => {
    prepared.push(request.callId);
    const stored = policy().annotations.get(request.serverName)?.get(request.toolName);
    if (stored === undefined)
      return { status: 'invalid' as const, reason: `unknown tool ${request.serverName}.${request.toolName}` };
    const roles = resolveToolAnnotation(stored, request.arguments).args;
    const call = { serverName: request.serverName, toolName: request.toolName, arguments: request.arguments };
    const result = canonicalizeCall(call, roles, {
      sandboxDir: request.sandboxDir,
      homeDir,
      isContainerSession: false,
    });
    if (!result.ok) return { status: 'invalid' as const, reason: result.reason };
    const canonical = { canonicalArguments: result.call.arguments, argsHash: result.argsHash };
    const advertised = executor();
    return {
      status: 'valid' as const,
      ...canonical,
      ...(advertised === undefined ? {} : { executor: advertised }),
    };
  });
  // As the real gateway: a decision signed before its record was on disk waits for the writer's durability event.
  const durable = new Map<string, string>();
  const durableWaiters = new Map<string, () => void>();
  subscribe(bus, AuditDecisionDurableEvent, (event) => {
    if (event.executor !== instanceId || event.status !== 'allow' || event.argsHash === undefined) return;
    durable.set(event.requestId, event.argsHash);
    durableWaiters.get(event.requestId)?.();
  });
  const isDurable = async (callId: string, argsHash: string): Promise<boolean> => {
    if (durable.get(callId) !== argsHash) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1500);
        durableWaiters.set(callId, () => (clearTimeout(timer), resolve()));
      });
      durableWaiters.delete(callId);
    }
    return durable.get(callId) === argsHash;
  };
  await serve(bus, mcpgwExecuteAt(instanceId), async (request) => {
    const verdict = await verify(request.decision, { ...request, argsHash: argsHashOf(request) });
    if (!verdict.isValid) {
      refusals.push(verdict);
      throw new AppError('DECISION_REFUSED', verdict.message);
    }
    held.push(request);
    if (!verdict.claims.isRecorded && !(await isDurable(request.callId, argsHashOf(request)))) {
      throw new AppError('DECISION_NOT_DURABLE', 'the decision was not on disk in time');
    }
    executed.push(request);
    return run(request);
  });
  return { bus, instanceId, executed, held, refusals, prepared, state, verify };
}

// The hash is recomputed from the arguments the gateway is about to run, never taken from the request.
function argsHashOf(request: ExecuteRequest): string {
  return computeArgsHash(request.canonicalArguments);
}

async function run(request: ExecuteRequest): Promise<ResponseOf<typeof McpgwExecute>> {
  if (request.toolName === 'read_file') {
    const text = await readFile(String(request.canonicalArguments['path']), 'utf8');
    return { content: [{ type: 'text', text }], isError: false, truncated: false, sandboxed: false };
  }
  return {
    content: [{ type: 'text', text: `ran ${request.toolName}` }],
    isError: false,
    truncated: false,
    sandboxed: false,
  };
}

/** An audit stand-in that keeps records in memory; `failing` makes it answer with an error. */
export async function startAudit(url: string) {
  const bus = await connectBus({ url, name: 'audit-writer' });
  const records: Array<ParsedRequestOf<typeof AuditAppend>['record']> = [];
  const state = { failing: false };
  await serve(bus, AuditAppend, ({ record }) => {
    if (state.failing) throw new AppError('UNAVAILABLE', 'disk full', { retryable: true });
    records.push(record);
    const seq = records.length - 1;
    // As the real writer: a decision's durability event goes out before the append is answered.
    if (record.kind === 'decision') {
      publish(bus, AuditDecisionDurableEvent, decisionDurableEventOf(record, seq));
    }
    return { seq, hash: 'f'.repeat(64) };
  });
  return { bus, records, state };
}

/** An escalation stand-in whose answer each test sets. */
export async function startRouter(url: string) {
  const bus = await connectBus({ url, name: 'escalation-router' });
  const opened: Array<ParsedRequestOf<typeof EscalationOpen>> = [];
  const state: { answer: 'approved' | 'denied' | 'expired' } = { answer: 'approved' };
  await serve(bus, EscalationOpen, (request) => {
    opened.push(request);
    return {
      ticketId: `t-${opened.length}`,
      status: state.answer,
      approver: 'alice',
      channel: 'terminal',
      autoApproved: false,
    };
  });
  return { bus, opened, state };
}

/** Closes a stand-in: its subjects then have no responders. */
export async function stop(stub: { bus: Bus }): Promise<void> {
  await stub.bus.close();
}
