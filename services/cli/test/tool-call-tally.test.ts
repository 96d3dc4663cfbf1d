// How the session console counts tool calls for `/logs` and the end-of-session summary: by outcome, the calls
// denied because a part of IronCurtain was down (by part), and the calls that may have run; from the live notes and
// from a transcript, with part names shown safe.
import { describe, expect, it } from 'vitest';
import {
  countToolCall,
  createToolCallTally,
  formatToolCallTally,
  tallyOfTranscript,
} from '../src/domain/session/tool-call-tally.js';
import { hostileText, hostileTextShown } from './hostile-text.js';

const entry = (toolCall: unknown) =>
  JSON.stringify({ at: 'now', turn: 1, kind: 'tool', text: 'x', toolCall });

describe('tool call tally', () => {
  it('counts outcomes, the parts that were down and the calls that may have run', () => {
    const tally = createToolCallTally();
    countToolCall(tally, { outcome: 'executed' });
    countToolCall(tally, { outcome: 'denied' });
    countToolCall(tally, { outcome: 'denied', unavailable: 'audit trail' });
    countToolCall(tally, { outcome: 'denied', unavailable: 'policy service' });
    countToolCall(tally, { outcome: 'denied', unavailable: 'audit trail' });
    countToolCall(tally, { outcome: 'failed', unavailable: 'outcome unknown' });
    countToolCall(tally, { outcome: 'unknown' });
    expect(formatToolCallTally(tally, 'in this session')).toEqual([
      '  · tool calls in this session: 1 executed, 4 denied, 1 failed',
      '  · denied because a part of IronCurtain was down: 3 (audit trail 2, policy service 1); ' +
        'may have run (outcome unknown): 2',
    ]);
  });

  it('reads the calls of a transcript, skipping other entries, torn lines and malformed calls', () => {
    const transcript = [
      JSON.stringify({ at: 'now', turn: 1, kind: 'assistant', text: 'hello' }),
      entry({ tool: 'filesystem.write_file', outcome: 'executed' }),
      entry({ tool: 'filesystem.write_file', outcome: 'denied', unavailable: 'tool gateway' }),
      entry({ outcome: 7 }),
      entry('denied'),
      '{"at":"now","kind":"tool","toolCall":{"outcome":"den',
    ].join('\n');
    expect(formatToolCallTally(tallyOfTranscript(transcript), 'in the transcript')).toEqual([
      '  · tool calls in the transcript: 1 executed, 1 denied, 0 failed',
      '  · denied because a part of IronCurtain was down: 1 (tool gateway 1); may have run (outcome unknown): 0',
    ]);
  });

  it('shows a part name safe and short, and at most six parts', () => {
    const tally = createToolCallTally();
    countToolCall(tally, { outcome: 'denied', unavailable: hostileText });
    for (const part of ['a', 'b', 'c', 'd', 'e', 'f'])
      countToolCall(tally, { outcome: 'denied', unavailable: part });
    const [, parts] = formatToolCallTally(tally, 'in this session');
    expect(parts).not.toMatch(/[\p{Cc}\p{Cf}]/u); // no control, bidi or invisible format character
    expect(parts).toContain(`(${hostileTextShown.slice(0, 20)}`);
    expect(parts).toContain(', 1 more)');
  });
});
