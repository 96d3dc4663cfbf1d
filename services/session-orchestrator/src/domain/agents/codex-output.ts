import type { AgentRunResult } from './agent-adapter.js';

/**
 * What `codex exec --json` printed, one JSON event a line (Codex 0.171): `thread.started`, `turn.started`,
 * `item.completed` (an `agent_message` carries the answer; an `error` item is a warning), top-level `error` (a retry
 * notice or the failure), then `turn.completed` or `turn.failed { error: { message } }`.
 */
interface CodexRunEvents {
  readonly lastAgentMessage: string | undefined;
  readonly turnFailure: string | undefined;
  readonly lastError: string | undefined;
  readonly isTurnCompleted: boolean;
}

// How Codex words a provider refusal the user can act on: 429 (quota or rate), usage limits, an overloaded model.
const quotaPattern = /\b429\b|quota|rate limit|usage limit|too many requests|at capacity|overloaded/i;

/** Reads a `codex exec --json` run: its last agent message, or why the turn failed. */
export function parseCodexRun(output: { stdout: string; stderr: string; exitCode: number }): AgentRunResult {
  const events = readEvents(output.stdout);
  const failure = events.turnFailure ?? (output.exitCode === 0 ? undefined : exitFailure(events, output));
  if (failure !== undefined) {
    return { text: failure, isError: true, isQuotaExhausted: quotaPattern.test(failure) };
  }
  if (!events.isTurnCompleted) {
    return {
      text: 'Codex exited without finishing the turn (no turn.completed event in its --json output).',
      isError: true,
      isQuotaExhausted: false,
    };
  }
  return { text: events.lastAgentMessage ?? '', isError: false, isQuotaExhausted: false };
}

function exitFailure(events: CodexRunEvents, output: { stderr: string; exitCode: number }): string {
  const stderrLines = output.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('WARNING: proceeding'));
  const reason = events.lastError ?? stderrLines.at(-1);
  return `Codex exited with code ${output.exitCode}${reason === undefined ? '' : `: ${reason}`}`;
}

function readEvents(stdout: string): CodexRunEvents {
  let lastAgentMessage: string | undefined;
  let turnFailure: string | undefined;
  let lastError: string | undefined;
  let isTurnCompleted = false;
  for (const event of jsonLines(stdout)) {
    const type = event['type'];
    if (type === 'item.completed') {
      const item = asRecord(event['item']);
      if (item?.['type'] === 'agent_message' && typeof item['text'] === 'string')
        lastAgentMessage = item['text'];
    } else if (type === 'turn.completed') {
      isTurnCompleted = true;
    } else if (type === 'turn.failed') {
      turnFailure = messageOf(event['error']) ?? 'Codex reported the turn failed without a message.';
    } else if (type === 'error') {
      lastError = messageOf(event) ?? lastError;
    }
  }
  return { lastAgentMessage, turnFailure, lastError, isTurnCompleted };
}

function* jsonLines(text: string): Generator<Record<string, unknown>> {
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const record = asRecord(JSON.parse(trimmed));
      if (record !== undefined) yield record;
    } catch {
      // Not an event (Codex prints only events on stdout with --json, but a wrapper might add a line).
    }
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function messageOf(value: unknown): string | undefined {
  const message = asRecord(value)?.['message'];
  return typeof message === 'string' && message !== '' ? message : undefined;
}
