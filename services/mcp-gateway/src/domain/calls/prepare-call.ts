import { AppError } from '@ironcurtain/errors';
import { prepareToolCall, resolveToolAnnotation, type LoadedPolicy } from '@ironcurtain/policy-engine';
import type { McpgwPrepare, ParsedRequestOf, ResponseOf } from '@ironcurtain/proto-schemas';
import { GatewayErrorCode } from '../gateway-errors.js';
import type { ScreenedCall, ScreenResult } from '../repository/repository-screen.js';
import type { LiveTool } from '../servers/managed-server.js';
import type { SessionRef } from '../servers/server-pool.js';
import type { ArgumentNormalization } from '../virtual/virtual-server.js';

type PrepareRequest = ParsedRequestOf<typeof McpgwPrepare>;
type PrepareReply = ResponseOf<typeof McpgwPrepare>;

/** What preparing a call needs. */
export interface PrepareDependencies {
  /** The configured servers' names. */
  serverNames(): readonly string[];
  /** The active policy, or undefined before the first activation. */
  policy(): LoadedPolicy | undefined;
  /** The tools of the session's running instance of a server (started on first use). */
  liveTools(session: SessionRef, serverName: string): Promise<readonly LiveTool[]>;
  /** A virtual server's own canonical form of its arguments (the identity for configured servers). */
  normalizeArguments(
    serverName: string,
    toolName: string,
    args: Record<string, unknown>,
  ): ArgumentNormalization;
  /** Refuses a call on an unsafe repository, or a write inside a git directory (`repository-screen.ts`). */
  screenRepositories(call: ScreenedCall): Promise<ScreenResult>;
  homeDir: string;
  /** This gateway process's instance id: where the PDP sends the execute, and the audience of its decision. */
  executor: string;
}

/**
 * `mcpgw.prepare.v1`: an unknown server or tool is invalid with a reason; otherwise the engine checks the arguments
 * against the live tool's input schema and canonicalizes them by the roles the active policy gives them (real
 * paths, `/workspace` mapped for container sessions, effective git remotes), and the hash of the result is what
 * the PDP signs, addressed to `executor`: this process, which then runs the call. A call on an unsafe repository, or
 * a write inside a git directory, is invalid with the reason (the PDP denies and audits it).
 */
export async function prepareCall(deps: PrepareDependencies, request: PrepareRequest): Promise<PrepareReply> {
  const known = deps.serverNames();
  if (!known.includes(request.serverName)) {
    return invalid(`unknown server "${request.serverName}"; this gateway runs ${listOf(known)}`);
  }
  const policy = deps.policy();
  if (policy === undefined) {
    throw new AppError(
      GatewayErrorCode.NoActivePolicy,
      'no policy is active, so argument roles are unknown (an operator runs `ironcurtain policy activate DIR`)',
      { retryable: true },
    );
  }
  const session = { sessionId: request.sessionId, sandboxDir: request.sandboxDir };
  const tools = await deps.liveTools(session, request.serverName);
  const tool = tools.find((candidate) => candidate.name === request.toolName);
  if (tool === undefined) {
    return invalid(
      `unknown tool "${request.toolName}" on server "${request.serverName}"; it has ${listOf(tools.map((t) => t.name))}`,
    );
  }
  const normalized = deps.normalizeArguments(request.serverName, request.toolName, request.arguments);
  if (!normalized.ok) return invalid(normalized.reason);
  const annotation = policy.annotations.get(request.serverName)?.get(request.toolName);
  const prepared = prepareToolCall(
    { serverName: request.serverName, toolName: request.toolName, arguments: normalized.arguments },
    { annotation, inputSchema: tool.inputSchema },
    { sandboxDir: request.sandboxDir, homeDir: deps.homeDir, isContainerSession: request.isContainerSession },
  );
  if (!prepared.ok) return invalid(prepared.reason);
  const screen = await deps.screenRepositories({
    serverName: request.serverName,
    canonicalArguments: prepared.call.arguments,
    roles:
      annotation === undefined ? new Map() : resolveToolAnnotation(annotation, prepared.call.arguments).args,
    sandboxDir: request.sandboxDir,
  });
  if (!screen.ok) return invalid(screen.message);
  return {
    status: 'valid',
    canonicalArguments: prepared.call.arguments,
    argsHash: prepared.argsHash,
    executor: deps.executor,
  };
}

function invalid(reason: string): PrepareReply {
  return { status: 'invalid', reason };
}

function listOf(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}
