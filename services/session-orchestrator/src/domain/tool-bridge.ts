import { randomUUID } from 'node:crypto';
import type { ToolCall, ToolCallOutcome } from '@ironcurtain/code-mode';
import { errorCodeOf } from '@ironcurtain/errors';
import type { ParsedResponseOf, PdpToolCall, RequestOf } from '@ironcurtain/proto-schemas';

type ToolCallReply = ParsedResponseOf<typeof PdpToolCall>;

/** A note for the user about one tool call, e.g. `filesystem.read_file: DENIED: …`. */
export interface ToolNote {
  readonly tool: string;
  readonly outcome: 'executed' | 'denied' | 'failed';
  readonly text: string;
}

/** What the bridge needs: the reference monitor, who is asking, and where notes go. */
export interface ToolBridgeOptions {
  readonly sessionId: string;
  readonly userId?: string | undefined;
  /** The user's latest message, passed on as trusted context for the auto-approver. */
  latestUserMessage(): string | undefined;
  /** Sends `pdp.toolcall.v1`; a rejection (timeout, no responders) is a denial. */
  requestToolCall(request: RequestOf<typeof PdpToolCall>): Promise<ToolCallReply>;
  onNote(note: ToolNote): void;
}

/**
 * Turns each tool function call of agent code into one `pdp.toolcall.v1` request, and its reply into what the code
 * sees: the tool's text, or an error with the PDP's message (`DENIED: …`). When the PDP cannot be reached the call
 * is denied (fail closed), with a message that does not leak the host's internals.
 */
export function createToolBridge(options: ToolBridgeOptions): (call: ToolCall) => Promise<ToolCallOutcome> {
  return async (call) => {
    const tool = `${call.serverName}.${call.toolName}`;
    const userMessage = options.latestUserMessage();
    let reply: ToolCallReply;
    try {
      reply = await options.requestToolCall({
        callId: randomUUID(),
        sessionId: options.sessionId,
        ...(options.userId === undefined ? {} : { userId: options.userId }),
        serverName: call.serverName,
        toolName: call.toolName,
        arguments: call.arguments,
        ...(userMessage === undefined ? {} : { userMessage: userMessage.slice(0, 20_000) }),
      });
    } catch (error) {
      const message = `DENIED: the policy service did not answer (${errorCodeOf(error) ?? 'error'}); the call was not run`;
      options.onNote({ tool, outcome: 'denied', text: message });
      return { ok: false, message };
    }
    return outcomeOf(tool, reply, options.onNote);
  };
}

function outcomeOf(tool: string, reply: ToolCallReply, onNote: (note: ToolNote) => void): ToolCallOutcome {
  if (reply.outcome !== 'executed') {
    onNote({ tool, outcome: reply.outcome, text: reply.message });
    return { ok: false, message: reply.message };
  }
  const text = textOf(reply.content ?? []);
  if (reply.isError === true) {
    onNote({ tool, outcome: 'executed', text: `the tool reported an error: ${firstLine(text)}` });
    return { ok: false, message: `${tool} failed: ${text}` };
  }
  const approved =
    reply.escalation?.status === 'approved' ? ` (approved by ${reply.escalation.approver ?? 'a human'})` : '';
  onNote({ tool, outcome: 'executed', text: `allowed${approved}` });
  return { ok: true, text, content: reply.content ?? [] };
}

/** The text blocks of an MCP result, joined; other blocks are named so the agent knows they exist. */
export function textOf(content: readonly { type: string; [key: string]: unknown }[]): string {
  return content
    .map((block) =>
      block.type === 'text' && typeof block['text'] === 'string' ? block['text'] : `[${block.type} content]`,
    )
    .join('\n');
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
