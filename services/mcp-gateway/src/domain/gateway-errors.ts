import { ErrorCode as McpErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/** Error codes of the gateway, besides the shared ones (`UNAVAILABLE`, `UPSTREAM_TIMEOUT`, `NOT_FOUND`, …). */
export const GatewayErrorCode = {
  /** The signed decision did not verify (forged, replayed, expired, for another call); audited as `verifier`. */
  DecisionRefused: 'DECISION_REFUSED',
  /**
   * The decision verified, but the audit-writer never said it is on disk (the append failed, the writer is down), or
   * what it recorded is another decision; audited as `verifier` when it can be. Nothing ran.
   */
  DecisionNotDurable: 'DECISION_NOT_DURABLE',
  /** The canonical arguments no longer fit the live tool, or a path now resolves elsewhere; audited too. */
  ArgumentsRefused: 'ARGUMENTS_REFUSED',
  /** The server process died while the call ran; the gateway restarts it. */
  ServerExited: 'SERVER_EXITED',
  /** A decision names a tool the running server does not have. */
  ToolUnknown: 'TOOL_UNKNOWN',
  /**
   * A git call on a repository whose config could make git run a program or reach outside the sandbox, or a write
   * of another server inside a git directory; audited too.
   */
  RepositoryRefused: 'REPOSITORY_REFUSED',
  /** No policy is active, so the gateway cannot know the roles of the arguments. */
  NoActivePolicy: 'NO_ACTIVE_POLICY',
} as const;

/** How the reply of a failed call is built: a gateway error, or a tool error the agent reads. */
export type CallFailure = { kind: 'error'; error: AppError } | { kind: 'tool-error'; message: string };

/**
 * Sorts what a tool call threw. The server dying (connection closed, nothing to write to) and the deadline are gateway
 * errors with a message that says what happened; a JSON-RPC error the server sent back is the tool's answer.
 */
export function classifyCallError(
  error: unknown,
  call: { label: string; serverName: string; toolName: string; timeoutMs: number; wasStopped: boolean },
): CallFailure {
  const where = `${call.serverName}.${call.toolName} (${call.label})`;
  if (error instanceof McpError && error.code === McpErrorCode.RequestTimeout) {
    return {
      kind: 'error',
      error: new AppError(
        ErrorCode.UpstreamTimeout,
        `${where} did not finish within ${call.timeoutMs} ms (MCPGW_CALL_TIMEOUT_MS); it may still have had an effect`,
        { cause: error, retryable: false },
      ),
    };
  }
  const isClosed =
    (error instanceof McpError && error.code === McpErrorCode.ConnectionClosed) ||
    (error instanceof Error && /not connected/i.test(error.message));
  if (isClosed) {
    const why = call.wasStopped
      ? 'the server was stopped (session ended, idle, or the gateway is stopping)'
      : 'the server process exited while the call ran; the gateway is restarting it';
    return {
      kind: 'error',
      error: new AppError(
        GatewayErrorCode.ServerExited,
        `${where} failed: ${why}. The call may have partly run; check its effect before calling again`,
        { cause: error, retryable: false },
      ),
    };
  }
  if (error instanceof McpError) return { kind: 'tool-error', message: error.message };
  if (error instanceof AppError) return { kind: 'error', error };
  return {
    kind: 'error',
    error: new AppError(ErrorCode.Unavailable, `${where} failed: ${(error as Error)?.message ?? 'error'}`, {
      cause: error,
    }),
  };
}
