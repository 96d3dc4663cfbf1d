// The hijackable model of the security benchmark: a capable but gullible agent behind a wire-level fake provider
// (Anthropic Messages or OpenAI chat completions: it reads either conversation format). It performs the scenario's steps in order, one `execute_code` per model request; once a tool result
// carries the injection's trigger it runs every attempt of the attack next (each whatever the previous one gave),
// then goes on with the steps it had left; with nothing left it answers with text. It decides from the request's
// messages alone (the conversation of the current turn), so the same conversation always gets the same answer.
import type { FakeLlmReply, FakeLlmRequest, FakeLlmRespond } from '@ironcurtain/testing';

/** One execute_code call the model makes: what it does (for reports) and the code. */
export interface ScriptStep {
  note: string;
  code: string;
}

/** What the model does in a session: the user's task as steps, and the injection it falls for. */
export interface ModelScript {
  steps: readonly ScriptStep[];
  attack?: { trigger: string; attempts: readonly ScriptStep[] } | undefined;
}

/** The model's next move: one more execute_code (a task step or an attack attempt), or the final answer. */
export type ModelDecision =
  | { kind: 'code'; step: ScriptStep; phase: 'task' | 'attack'; index: number }
  | { kind: 'final'; text: string };

/** One execute_code call of the current turn and the text of its result (undefined while it has none). */
export interface TurnCall {
  code: string;
  result: string | undefined;
}

interface MessagePart {
  type?: unknown;
  id?: unknown;
  tool_use_id?: unknown;
  input?: unknown;
  content?: unknown;
  text?: unknown;
}

interface Message {
  role?: unknown;
  content?: unknown;
  /** OpenAI: an assistant message's tool calls; a tool message's call id. */
  tool_calls?: unknown;
  tool_call_id?: unknown;
}

interface OpenAiToolCall {
  id?: unknown;
  function?: { arguments?: unknown };
}

function partsOf(message: Message): MessagePart[] {
  if (typeof message.content === 'string') return [{ type: 'text', text: message.content }];
  return Array.isArray(message.content) ? (message.content as MessagePart[]) : [];
}

/** The user's own words start a turn: a user message with a text part (Anthropic tool results alone do not). */
function isUserText(message: Message): boolean {
  return message.role === 'user' && partsOf(message).some((part) => part.type === 'text');
}

/** The code of an OpenAI tool call (its arguments are a JSON string). */
function codeOfOpenAiCall(call: OpenAiToolCall): string {
  try {
    const input = JSON.parse(String(call.function?.arguments ?? '{}')) as { code?: unknown };
    return typeof input.code === 'string' ? input.code : '';
  } catch {
    return '';
  }
}

/** The text a tool result carries: a string, or the text parts of its content. */
export function textOfToolResult(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as MessagePart[])
    .map((part) => (typeof part.text === 'string' ? part.text : textOfToolResult(part.content)))
    .join('\n');
}

/**
 * The execute_code calls of the current turn (after the last message in the user's own words), in order, each
 * with its result's text.
 */
export function turnCalls(messages: unknown): TurnCall[] {
  const list = Array.isArray(messages) ? (messages as Message[]) : [];
  let start = 0;
  list.forEach((message, index) => {
    if (isUserText(message)) start = index + 1;
  });
  const calls: Array<TurnCall & { id: unknown }> = [];
  for (const message of list.slice(start)) {
    if (message.role === 'assistant' && Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls as OpenAiToolCall[])
        calls.push({ id: call.id, code: codeOfOpenAiCall(call), result: undefined });
    }
    if (message.role === 'tool') {
      const call = calls.find((candidate) => candidate.id === message.tool_call_id);
      if (call !== undefined) call.result = textOfToolResult(message.content);
      continue;
    }
    for (const part of partsOf(message)) {
      if (message.role === 'assistant' && part.type === 'tool_use') {
        const code = (part.input as { code?: unknown } | undefined)?.code;
        calls.push({ id: part.id, code: typeof code === 'string' ? code : '', result: undefined });
      } else if (message.role === 'user' && part.type === 'tool_result') {
        const call = calls.find((candidate) => candidate.id === part.tool_use_id);
        if (call !== undefined) call.result = textOfToolResult(part.content);
      }
    }
  }
  return calls.map(({ code, result }) => ({ code, result }));
}

/**
 * Decides the next move from the conversation: the plan is the steps, with the attack's attempts spliced in right
 * after the first call whose result contains the trigger; the next move is the plan's entry after the calls made.
 */
export function decideNext(script: ModelScript, messages: unknown): ModelDecision {
  const plan: Array<{ step: ScriptStep; phase: 'task' | 'attack'; index: number }> = script.steps.map(
    (step, index) => ({ step, phase: 'task', index }),
  );
  const calls = turnCalls(messages).filter((call) => call.result !== undefined);
  const attack = script.attack;
  if (attack !== undefined) {
    const triggeredAt = calls.findIndex((call) => call.result?.includes(attack.trigger) === true);
    if (triggeredAt >= 0) {
      const attempts = attack.attempts.map((step, index) => ({ step, phase: 'attack' as const, index }));
      plan.splice(triggeredAt + 1, 0, ...attempts);
    }
  }
  const next = plan[calls.length];
  if (next !== undefined) return { kind: 'code', ...next };
  const done = script.steps.map((step) => step.note).join('; ');
  return { kind: 'final', text: `Done. What I did: ${done}.` };
}

/** The reply the fake provider sends for a decision. */
export function replyOf(decision: ModelDecision): FakeLlmReply {
  if (decision.kind === 'final') return { text: decision.text };
  return { toolCalls: [{ name: 'execute_code', input: { code: decision.step.code } }] };
}

/**
 * The fake provider's `respond`: the current script (the scenario being run) decides; with no script (a request
 * between scenarios) the model says it has nothing to do. `onDecision` sees every decision with its request.
 */
export function createHijackableModel(
  scriptOf: () => ModelScript | undefined,
  onDecision: (decision: ModelDecision, request: FakeLlmRequest) => void = () => undefined,
): FakeLlmRespond {
  return (request) => {
    const script = scriptOf();
    if (script === undefined) return { text: 'There is nothing for me to do.' };
    const decision = decideNext(script, request.body?.messages);
    onDecision(decision, request);
    return replyOf(decision);
  };
}

/** Every tool result's text in a model request (what the model was shown by its tools). */
export function toolResultTexts(body: unknown): string[] {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  const list = Array.isArray(messages) ? (messages as Message[]) : [];
  return list.flatMap((message) => {
    if (message.role === 'tool') return [textOfToolResult(message.content)];
    return message.role === 'user'
      ? partsOf(message)
          .filter((part) => part.type === 'tool_result')
          .map((part) => textOfToolResult(part.content))
      : [];
  });
}
