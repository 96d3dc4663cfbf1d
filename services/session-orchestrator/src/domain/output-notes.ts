import type { AgentEvent } from '@ironcurtain/agent';

/** One line for the user: what the agent said, what it ran, or a note from IronCurtain itself. */
export interface OutputNote {
  readonly kind: 'assistant' | 'tool' | 'system';
  readonly text: string;
}

const maxCodeLines = 12;

/** The note an agent event becomes for terminals and Signal, or undefined for events nobody needs to see. */
export function noteOfAgentEvent(event: AgentEvent): OutputNote | undefined {
  switch (event.type) {
    case 'assistant-text':
      return event.text.trim() === '' ? undefined : { kind: 'assistant', text: event.text };
    case 'code-started':
      return { kind: 'tool', text: `running code:\n${shortCode(event.code)}` };
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

function shortCode(code: string): string {
  const lines = code.split('\n');
  if (lines.length <= maxCodeLines) return indent(lines);
  return indent([...lines.slice(0, maxCodeLines), `… ${lines.length - maxCodeLines} more lines`]);
}

function indent(lines: readonly string[]): string {
  return lines.map((line) => `  ${line}`).join('\n');
}
