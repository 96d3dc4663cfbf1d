import { randomUUID } from 'node:crypto';
import type { ToolCall, ToolCallOutcome } from '@ironcurtain/code-mode';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import {
  toolCallOutcomeUnknown,
  type ParsedResponseOf,
  type PdpToolCall,
  type RequestOf,
} from '@ironcurtain/proto-schemas';

type ToolCallReply = ParsedResponseOf<typeof PdpToolCall>;

/** A note for the user about one tool call, e.g. `filesystem.read_file: DENIED: …`. */
export interface ToolNote {
  readonly tool: string;
  readonly outcome: 'executed' | 'denied' | 'failed';
  readonly text: string;
  /**
   * Set when the call did not get a real answer because a part of IronCurtain was down: which part (`policy
   * service`, `tool gateway`, `audit trail`, `escalation router`), or `outcome unknown` when the call may have run
   * but nobody could say. The session counts these and shows them (`/logs`, the end-of-session summary).
   */
  readonly unavailable?: string;
}

/** The lifecycle rules of a deny that came from a part being down rather than from the policy, and that part. */
const unavailableParts: Readonly<Record<string, string>> = {
  'gateway-unavailable': 'tool gateway',
  'audit-unavailable': 'audit trail',
  'escalation-failed': 'escalation router',
};

/** What the bridge needs: the reference monitor, who is asking, and where notes go. */
export interface ToolBridgeOptions {
  readonly sessionId: string;
  readonly userId?: string | undefined;
  /** The user's latest message, passed on as trusted context for the auto-approver. */
  latestUserMessage(): string | undefined;
  /** Sends `pdp.toolcall.v1`; a rejection (timeout, no responders, the PDP lost mid-call) is retried once. */
  requestToolCall(request: RequestOf<typeof PdpToolCall>): Promise<ToolCallReply>;
  onNote(note: ToolNote): void;
  /**
   * How long the same call is sent again (attempt 2) after its first attempt got no answer, while no PDP is there to
   * take it (one restarting): default 8000 ms.
   */
  retryWindowMs?: number;
}

/** Failures after which the same call is sent again: the PDP, or the bus between, failed. */
const retryableCodes = new Set<string>([
  ErrorCode.NoResponders,
  ErrorCode.ResponderLost,
  ErrorCode.Unavailable,
  ErrorCode.UpstreamTimeout,
]);

/**
 * Turns each tool function call of agent code into one `pdp.toolcall.v1` request, and its reply into what the code
 * sees: the tool's text, or an error with the PDP's message (`DENIED: …`). A call whose first attempt gets no answer
 * (the PDP died mid-call, the bus failed, none was there) is sent once more with the same call id (attempt 2), which
 * the PDP answers from what became of the first (never running it twice). When no answer can be had, the call is
 * denied if no PDP ever took it, else the agent is told it may have run; neither leaks the host's internals.
 */
export function createToolBridge(options: ToolBridgeOptions): (call: ToolCall) => Promise<ToolCallOutcome> {
  return async (call) => {
    const tool = `${call.serverName}.${call.toolName}`;
    const userMessage = options.latestUserMessage();
    const request = {
      callId: randomUUID(),
      sessionId: options.sessionId,
      ...(options.userId === undefined ? {} : { userId: options.userId }),
      serverName: call.serverName,
      toolName: call.toolName,
      arguments: call.arguments,
      ...(userMessage === undefined ? {} : { userMessage: userMessage.slice(0, 20_000) }),
    };
    let reply: ToolCallReply;
    try {
      reply = await options.requestToolCall(request);
    } catch (error) {
      const code = errorCodeOf(error) ?? 'error';
      const retried = retryableCodes.has(code)
        ? await sendAgain(options, request, code === ErrorCode.NoResponders)
        : { isTaken: false, code };
      if ('reply' in retried) return outcomeOf(tool, retried.reply, options.onNote);
      return unanswered(tool, retried, options.onNote);
    }
    return outcomeOf(tool, reply, options.onNote);
  };
}

type Unanswered = { isTaken: boolean; code: string };

/**
 * Sends the call again (attempt 2) until a PDP answers or the window closes; while nobody serves the subject (a PDP
 * restarting) it keeps trying. `isTaken` says whether any attempt may have reached a PDP.
 */
async function sendAgain(
  options: ToolBridgeOptions,
  request: RequestOf<typeof PdpToolCall>,
  wasNeverTaken: boolean,
): Promise<{ reply: ToolCallReply } | Unanswered> {
  const deadline = Date.now() + (options.retryWindowMs ?? 8000);
  let isTaken = !wasNeverTaken;
  let code: string;
  do {
    try {
      return { reply: await options.requestToolCall({ ...request, attempt: 2 }) };
    } catch (error) {
      code = errorCodeOf(error) ?? 'error';
      if (code !== ErrorCode.NoResponders) {
        isTaken = true;
        // A PDP took the retry and failed too: no third attempt unless the window allows one more after a restart.
        if (!retryableCodes.has(code)) break;
      }
    }
    await sleep(250);
  } while (Date.now() < deadline);
  return { isTaken, code };
}

function unanswered(tool: string, failure: Unanswered, onNote: (note: ToolNote) => void): ToolCallOutcome {
  if (!failure.isTaken) {
    const message = `DENIED: the policy service did not answer (${failure.code}); the call was not run`;
    onNote({ tool, outcome: 'denied', text: message, unavailable: 'policy service' });
    return { ok: false, message };
  }
  const message =
    `UNKNOWN: the policy service failed while deciding or running this call (${failure.code}), and could not say ` +
    'what became of it. The call may have run: check its effect before repeating it.';
  onNote({ tool, outcome: 'failed', text: message, unavailable: toolCallOutcomeUnknown });
  return { ok: false, message };
}

function outcomeOf(tool: string, reply: ToolCallReply, onNote: (note: ToolNote) => void): ToolCallOutcome {
  if (reply.outcome === 'unknown') {
    onNote({ tool, outcome: 'failed', text: reply.message, unavailable: toolCallOutcomeUnknown });
    return { ok: false, message: reply.message };
  }
  if (reply.outcome !== 'executed') {
    const unavailable = unavailableParts[reply.decision.rule];
    onNote({
      tool,
      outcome: reply.outcome,
      text: reply.message,
      ...(unavailable === undefined ? {} : { unavailable }),
    });
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
