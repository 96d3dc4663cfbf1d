import { RuleId, type ToolCall } from '@ironcurtain/policy-engine';
import { terminalSafeJson } from '@ironcurtain/terminal-text';
import type { DecisionLine, LocalDecider } from './local-decision.js';
import { parseToolCall } from '../session/tool-call-input.js';

/** How many lines `policy eval` answered, and how many of them were not calls. */
export interface EvaluationCounts {
  calls: number;
  malformed: number;
}

/**
 * Decides one JSON call per line and writes one JSON decision per call, in order, as each line arrives (so it works
 * as a filter on a pipe). Blank lines are skipped; a line that is not a call gets a deny naming its line number, and
 * the lines after it are still decided.
 */
export async function evaluateCallLines(
  lines: AsyncIterable<string>,
  decider: LocalDecider,
  write: (text: string) => void,
): Promise<EvaluationCounts> {
  const counts: EvaluationCounts = { calls: 0, malformed: 0 };
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    const parsed = parseToolCall(line);
    let answer: DecisionLine;
    if (parsed.ok) {
      counts.calls += 1;
      answer = decideSafely(decider, parsed.call, lineNumber);
    } else {
      counts.malformed += 1;
      answer = {
        decision: 'deny',
        rule: RuleId.InvalidArguments,
        reason: `line ${lineNumber}: ${parsed.problem}`,
      };
    }
    write(`${terminalSafeJson(answer)}\n`);
  }
  return counts;
}

// The engine never throws by contract; should it ever, the line is denied rather than the whole run lost.
function decideSafely(decider: LocalDecider, call: ToolCall, line: number): DecisionLine {
  try {
    return decider.decide(call);
  } catch (error) {
    return {
      decision: 'deny',
      rule: RuleId.DefaultDeny,
      reason: `line ${line}: the call could not be decided (${(error as Error).message})`,
    };
  }
}
