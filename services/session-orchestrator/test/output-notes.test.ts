// What the orchestrator tells terminals (and the transcript) about an agent step: the whole code with its line
// count in a header of its own, so a terminal can show an excerpt, say how much it hides, and show all on request.
import { describe, expect, it } from 'vitest';
import { codeNoteText, maxNoteCodeLength, noteOfAgentEvent } from '../src/domain/output-notes.js';

describe('noteOfAgentEvent', () => {
  it('carries the whole code, raw, under a header with its line count', () => {
    const code = Array.from({ length: 40 }, (_, index) => `const line${index} = ${index}; // \x1b[2J`).join(
      '\n',
    );
    const note = noteOfAgentEvent({ type: 'code-started', toolCallId: 'call-1', code });
    expect(note).toEqual({ kind: 'tool', text: `running code (40 lines):\n${code}` });
  });

  it('counts a final newline as the end of the last line, and one line as one', () => {
    expect(codeNoteText('return 1;\n')).toBe('running code (1 line):\nreturn 1;\n');
    expect(codeNoteText('a\nb')).toBe('running code (2 lines):\na\nb');
  });

  it('cuts only code too large for one message, and says how much is missing', () => {
    const code = `${'x'.repeat(maxNoteCodeLength)}\nfetch.http_fetch({ url })`;
    const text = codeNoteText(code);
    expect(text.startsWith(`running code (2 lines):\n${'x'.repeat(maxNoteCodeLength)}\n`)).toBe(true);
    expect(
      text.endsWith('… code cut here: 26 more characters are only in the conversation once the turn ends'),
    ).toBe(true);
  });

  it('passes assistant text on raw and skips blank text', () => {
    const text = 'done \x1b]52;c;Y3VybA==\x07';
    expect(noteOfAgentEvent({ type: 'assistant-text', text, step: 1 })).toEqual({ kind: 'assistant', text });
    expect(noteOfAgentEvent({ type: 'assistant-text', text: '  \n', step: 1 })).toBeUndefined();
  });
});
