import type { AgentEvent } from '@ironcurtain/agent';
import type { ToolNote } from './tool-bridge.js';

/** One line for the user: what the agent said, what it ran, or a note from IronCurtain itself. */
export interface OutputNote {
  readonly kind: 'assistant' | 'tool' | 'system';
  readonly text: string;
  /** On the note of one tool call: the call, how it ended, and the part of IronCurtain that was down, if one was. */
  readonly toolCall?: Pick<ToolNote, 'tool' | 'outcome' | 'unavailable'>;
}

/**
 * The longest code a note carries whole. A terminal shows the first lines and the count of the rest, and `/code`
 * shows all of it, so the note (and the transcript, which records notes) holds the whole code; only code beyond
 * this, which would not fit in one bus message once escaped, is cut, and the note says how much.
 */
export const maxNoteCodeLength = 100_000;

/** The note an agent event becomes for terminals and Signal, or undefined for events nobody needs to see. */
export function noteOfAgentEvent(event: AgentEvent): OutputNote | undefined {
  switch (event.type) {
    case 'assistant-text':
      return event.text.trim() === '' ? undefined : { kind: 'assistant', text: event.text };
    case 'code-started':
      return { kind: 'tool', text: codeNoteText(event.code) };
    case 'code-finished': {
      const loop = event.loop === 'ok' ? '' : ` (loop detector: ${event.loop})`;
      return { kind: 'tool', text: `${event.isOk ? 'finished' : 'failed'}: ${event.summary}${loop}` };
    }
    case 'code-refused':
      return {
        kind: 'system',
        text:
          event.reason === 'loop-blocked'
            ? 'code not run: the agent repeats itself with the same result (loop detector)'
            : 'code not run: the turn was stopped',
      };
    default:
      return undefined;
  }
}

/**
 * `running code (N lines):` and the code as the model wrote it, raw (terminals make it safe when they show it).
 * The header is the orchestrator's own, so its line count cannot be faked by the code.
 */
export function codeNoteText(code: string): string {
  const totalLines = lineCount(code);
  const header = `running code (${totalLines} line${totalLines === 1 ? '' : 's'}):`;
  if (code.length <= maxNoteCodeLength) return `${header}\n${code}`;
  return (
    `${header}\n${code.slice(0, maxNoteCodeLength)}\n… code cut here: ${code.length - maxNoteCodeLength} more ` +
    'characters are only in the conversation once the turn ends'
  );
}

function lineCount(code: string): number {
  const lines = code.split('\n');
  return lines.length > 1 && lines.at(-1) === '' ? lines.length - 1 : lines.length;
}
