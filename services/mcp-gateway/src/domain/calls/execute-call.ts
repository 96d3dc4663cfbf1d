import type { ExpectedCall } from '@ironcurtain/decision-token';
import { AppError } from '@ironcurtain/errors';
import {
  computeArgsHash,
  resolveToolAnnotation,
  validateArgumentsAgainstSchema,
  type StoredToolAnnotation,
} from '@ironcurtain/policy-engine';
import type { z } from 'zod';
import type {
  AuditVerifierRecordInput,
  McpgwExecute,
  ParsedRequestOf,
  ResponseOf,
} from '@ironcurtain/proto-schemas';
import type { CallMemory } from './call-memory.js';
import type { DecisionVerdict } from './decision-check.js';
import { toExecutableArguments } from './executable-arguments.js';
import { GatewayErrorCode } from '../gateway-errors.js';
import type { ScreenedCall, ScreenResult } from '../repository/repository-screen.js';
import type { ManagedServer } from '../servers/managed-server.js';
import type { SessionRef } from '../servers/server-pool.js';
import type { ArgumentNormalization } from '../virtual/virtual-server.js';
import { mapSandboxPathsToContainer, truncateContent, type ContentBlock } from './tool-result.js';

type ExecuteRequest = ParsedRequestOf<typeof McpgwExecute>;
type ExecuteReply = ResponseOf<typeof McpgwExecute>;

/** A refusal: the verifier's reasons plus the gateway's own. */
export interface Refusal {
  reason: string;
  message: string;
}

/** The audit record of a refusal: `audit.append.v1` kind `verifier` (proto-schemas/src/audit.ts). */
export type VerifierAuditRecord = z.input<typeof AuditVerifierRecordInput>;

/** The rule a refusal is recorded under. */
export const decisionRefusedRule = 'decision-refused';

/** What executing a call needs. */
export interface ExecuteDependencies {
  /** Verifies the signed decision against the call about to run; never throws. */
  verifyDecision(decision: ExecuteRequest['decision'], expected: ExpectedCall): Promise<DecisionVerdict>;
  annotationOf(serverName: string, toolName: string): StoredToolAnnotation | undefined;
  /** A virtual server's own canonical form of its arguments (the identity for configured servers). */
  normalizeArguments(
    serverName: string,
    toolName: string,
    args: Record<string, unknown>,
  ): ArgumentNormalization;
  withServer<T>(
    session: SessionRef,
    serverName: string,
    work: (server: ManagedServer) => Promise<T>,
  ): Promise<T>;
  /** The repository screen again, right before the server runs the call (a concurrent write may have changed it). */
  screenRepositories(call: ScreenedCall): Promise<ScreenResult>;
  /** Runs screen and call in the session's turn, so no write of the session lands between them. */
  inRepositoryTurn<T>(call: ScreenedCall & { sessionId: string }, work: () => Promise<T>): Promise<T>;
  /** Appends a `verifier` audit record; may throw (the call is refused either way). */
  appendAudit(record: VerifierAuditRecord): Promise<void>;
  /** Told when a refusal could not be audited. */
  onAuditFailure(error: unknown): void;
  callTimeoutMs: number;
  maxResultBytes: number;
  now(): Date;
  /** A fresh id per refusal: one call id may be refused many times (a replay is exactly that). */
  newRefusalId(): string;
  /** This process's memory of the call ids it took: each runs at most once (`call-memory.ts`). */
  calls: CallMemory;
  /** Resolves once the audit-writer says this call's allow decision is on disk (`durable-decisions.ts`); else throws. */
  awaitDurableDecision(call: { sessionId: string; callId: string; argsHash: string }): Promise<void>;
}

/**
 * Execute (`mcpgw.execute.v1.<instance id>`): nothing runs without a valid signed decision for exactly this call,
 * addressed to this process — bound to the hash the gateway recomputes here from the canonical arguments it is about
 * to run. Every refusal is audited as `verifier` and answered with an error. Then the arguments are checked once
 * more against the live schema and the real paths, the repositories the call names are screened again, the
 * canonical call runs, and its result is mapped for container sessions and cut to size. A call id runs at most once in
 * this process: a repeat with a fresh valid decision gets the first run's reply.
 */
export async function executeCall(deps: ExecuteDependencies, request: ExecuteRequest): Promise<ExecuteReply> {
  const expected: ExpectedCall = {
    callId: request.callId,
    sessionId: request.sessionId,
    serverName: request.serverName,
    toolName: request.toolName,
    argsHash: computeArgsHash(request.canonicalArguments),
  };
  const verification = await deps.verifyDecision(request.decision, expected);
  if (!verification.isValid) {
    await refuse(deps, request, GatewayErrorCode.DecisionRefused, verification);
  }
  // Audit before effect: the PDP may send the execute while its decision record is still being written; nothing runs
  // until the writer says that record — this call, allow, these arguments, addressed here — is on disk.
  if (verification.isValid && !verification.isRecorded) {
    try {
      await deps.awaitDurableDecision(expected);
    } catch (error) {
      const refusal = { reason: 'decision-not-durable', message: (error as Error).message };
      await refuse(deps, request, GatewayErrorCode.DecisionNotDurable, refusal);
    }
  }
  const session = { sessionId: request.sessionId, sandboxDir: request.sandboxDir };
  // Only a valid decision for exactly this call gets this far: a repeat of a call id (the PDP asking again after it
  // failed mid-call) gets the first run's reply and runs nothing.
  return deps.calls.once(expected, () => runCall(deps, request, session, expected.argsHash));
}

async function runCall(
  deps: ExecuteDependencies,
  request: ExecuteRequest,
  session: SessionRef,
  argsHash: string,
): Promise<ExecuteReply> {
  return deps.withServer(session, request.serverName, async (server) => {
    const tool = (await server.tools()).find((candidate) => candidate.name === request.toolName);
    if (tool === undefined) {
      throw new AppError(
        GatewayErrorCode.ToolUnknown,
        `server "${request.serverName}" has no tool "${request.toolName}" (it changed since the call was prepared)`,
      );
    }
    const schemaCheck = validateArgumentsAgainstSchema(tool.inputSchema, request.canonicalArguments);
    if (!schemaCheck.ok) {
      const refusal = { reason: 'invalid-arguments', message: schemaCheck.reason };
      await refuse(deps, request, GatewayErrorCode.ArgumentsRefused, refusal);
    }
    const normalized = deps.normalizeArguments(
      request.serverName,
      request.toolName,
      request.canonicalArguments,
    );
    if (!normalized.ok || computeArgsHash(normalized.arguments) !== argsHash) {
      const message = normalized.ok ? 'the arguments are not in canonical form' : normalized.reason;
      await refuse(deps, request, GatewayErrorCode.ArgumentsRefused, {
        reason: 'invalid-arguments',
        message,
      });
    }
    const annotation = deps.annotationOf(request.serverName, request.toolName);
    const roles =
      annotation === undefined
        ? new Map()
        : resolveToolAnnotation(annotation, request.canonicalArguments).args;
    const executable = toExecutableArguments(request.canonicalArguments, roles);
    if (!executable.ok) {
      const refusal = { reason: 'arguments-changed', message: executable.reason };
      return refuse(deps, request, GatewayErrorCode.ArgumentsRefused, refusal);
    }
    const screened = {
      sessionId: request.sessionId,
      serverName: request.serverName,
      canonicalArguments: request.canonicalArguments,
      roles,
      sandboxDir: request.sandboxDir,
    };
    const result = await deps.inRepositoryTurn(screened, async () => {
      const screen = await deps.screenRepositories(screened);
      if (!screen.ok) {
        const refusal = { reason: screen.reason, message: screen.message };
        return refuse(deps, request, GatewayErrorCode.RepositoryRefused, refusal);
      }
      return server.callTool(request.toolName, executable.arguments, deps.callTimeoutMs);
    });
    const content = (result.content ?? []) as ContentBlock[];
    const viewed = request.isContainerSession
      ? mapSandboxPathsToContainer(content, request.sandboxDir)
      : content;
    const shaped = truncateContent(viewed, deps.maxResultBytes);
    return {
      content: shaped.content,
      isError: result.isError === true,
      truncated: shaped.truncated,
      sandboxed: server.isSandboxed(),
    };
  });
}

async function refuse(
  deps: ExecuteDependencies,
  request: ExecuteRequest,
  code: string,
  refusal: Refusal,
): Promise<never> {
  try {
    await deps.appendAudit({
      kind: 'verifier',
      timestamp: deps.now().toISOString(),
      requestId: request.callId,
      sessionId: request.sessionId,
      serverName: request.serverName,
      toolName: request.toolName,
      policyDecision: {
        status: 'deny',
        rule: decisionRefusedRule,
        reason: `${refusal.reason}: ${refusal.message}`,
      },
      policyHash: '',
      refusalId: deps.newRefusalId(),
      arguments: request.canonicalArguments,
      ...refusedCallIdentity(deps, request),
      refusal: { reason: refusal.reason, message: refusal.message },
      signer: request.decision.signer,
    });
  } catch (error) {
    // Refused either way; the failure to record it is the operator's to see.
    deps.onAuditFailure(error);
  }
  throw new AppError(code, `the call was refused (${refusal.reason}): ${refusal.message}`);
}

// What the record needs to name the refused call exactly: the hash a decision for it would carry, and its roles (so
// the audit-writer never rewrites a path, URL or identifier). Arguments that cannot be hashed get neither.
function refusedCallIdentity(
  deps: ExecuteDependencies,
  request: ExecuteRequest,
): { argsHash?: string; argumentRoles?: Record<string, string[]> } {
  try {
    const annotation = deps.annotationOf(request.serverName, request.toolName);
    const roles =
      annotation === undefined
        ? undefined
        : resolveToolAnnotation(annotation, request.canonicalArguments).args;
    return {
      argsHash: computeArgsHash(request.canonicalArguments),
      ...(roles === undefined
        ? {}
        : { argumentRoles: Object.fromEntries([...roles].map(([name, list]) => [name, [...list]])) }),
    };
  } catch {
    return {};
  }
}
