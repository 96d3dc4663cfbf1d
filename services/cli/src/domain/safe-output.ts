import { escapeTerminalControls } from '@ironcurtain/terminal-text';
import type { TextOutput } from '../cli-context.js';

/**
 * `output` behind the last line of defence: whatever a command writes, no control, escape sequence, bidi or
 * invisible character reaches the terminal raw (line feeds pass; anything else shows as `\uXXXX`, which keeps JSON
 * output valid). Each surface still formats agent text with @ironcurtain/terminal-text itself; this only catches
 * what a new surface might forget.
 */
export function terminalSafeOutput(output: TextOutput): TextOutput {
  return { write: (text: string) => output.write(escapeTerminalControls(text)) };
}
