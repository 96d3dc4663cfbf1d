import { toolCallOutcomeUnknown } from '@ironcurtain/proto-schemas';
import { terminalSafe } from '@ironcurtain/terminal-text';

/** What a tool call's note says about it (`toolCall` of `session.evt.output.v1`, and of its transcript entry). */
export interface ToolCallOfNote {
  readonly outcome: string;
  readonly unavailable?: string | undefined;
}

/** How a session's tool calls ended, counted from their notes. */
export interface ToolCallTally {
  executed: number;
  denied: number;
  failed: number;
  /** Calls that got no real answer because a part of IronCurtain was down, by that part. */
  readonly partDown: Map<string, number>;
  /** Calls that may have run, though nobody could say (outcome `unknown`, or `outcome unknown`). */
  mayHaveRun: number;
}

const partsShown = 6;

export function createToolCallTally(): ToolCallTally {
  return { executed: 0, denied: 0, failed: 0, partDown: new Map(), mayHaveRun: 0 };
}

/** Counts one call. */
export function countToolCall(tally: ToolCallTally, call: ToolCallOfNote): void {
  if (call.outcome === 'executed' || call.outcome === 'denied' || call.outcome === 'failed')
    tally[call.outcome] += 1;
  if (call.outcome === 'unknown' || call.unavailable === toolCallOutcomeUnknown) tally.mayHaveRun += 1;
  else if (call.unavailable !== undefined)
    tally.partDown.set(call.unavailable, (tally.partDown.get(call.unavailable) ?? 0) + 1);
}

/** The calls of a session's transcript (`transcript.jsonl`): every entry that carries a `toolCall`. */
export function tallyOfTranscript(text: string): ToolCallTally {
  const tally = createToolCallTally();
  for (const line of text.split('\n')) {
    let entry: { toolCall?: { outcome?: unknown; unavailable?: unknown } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue; // a torn last line, or nothing
    }
    const call = entry.toolCall;
    if (typeof call !== 'object' || call === null || typeof call.outcome !== 'string') continue;
    const unavailable = typeof call.unavailable === 'string' ? call.unavailable : undefined;
    countToolCall(tally, { outcome: call.outcome, unavailable });
  }
  return tally;
}

/**
 * Two short lines: how many calls were executed, denied and failed; and how many were denied because a part of
 * IronCurtain was down (by part) and how many may have run. The part names are made terminal-safe.
 */
export function formatToolCallTally(
  tally: ToolCallTally,
  heading: 'in this session' | 'in the transcript',
): string[] {
  const parts = [...tally.partDown.entries()].sort(([, left], [, right]) => right - left);
  const downCount = parts.reduce((sum, [, count]) => sum + count, 0);
  const named = parts
    .slice(0, partsShown)
    .map(([part, count]) => `${terminalSafe(part, { maxLength: 40 })} ${count}`);
  if (parts.length > partsShown) named.push(`${parts.length - partsShown} more`);
  const byPart = named.length === 0 ? '' : ` (${named.join(', ')})`;
  return [
    `  · tool calls ${heading}: ${tally.executed} executed, ${tally.denied} denied, ${tally.failed} failed`,
    `  · denied because a part of IronCurtain was down: ${downCount}${byPart}; ` +
      `may have run (outcome unknown): ${tally.mayHaveRun}`,
  ];
}
