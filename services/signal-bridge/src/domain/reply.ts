// What the pinned person's message means. Only a whole-message "approve"/"deny" (with an optional label) answers an
// escalation; a word of it inside a longer text is input for the agent, so "approve the plan and push" can never
// approve a call by accident. A slash command is never forwarded to the agent, even when it is unknown or malformed.

/** The meaning of one message from the pinned person. */
export type SignalReply =
  | { kind: 'approve' | 'deny'; label?: number }
  | { kind: 'command'; name: 'sessions' | 'new' | 'budget' | 'stop' | 'help' }
  | { kind: 'command'; name: 'switch'; index: number }
  | { kind: 'unknown-command'; name: string }
  | { kind: 'message'; text: string };

// `approve`, `/Deny`, `approve #2`, `deny 2`, `approve#2`: the whole message, any case.
const answer = /^\/?(approve|deny)(?:\s*#\s*(\d{1,9})|\s+(\d{1,9}))?$/i;
// A slash, a letter, then letters, digits, `_` or `-`, then the end or whitespace: `/etc/passwd …` is not one.
const slashCommand = /^\/([A-Za-z][A-Za-z0-9_-]*)(?:\s+([\s\S]*))?$/;
const commandsWithoutArguments = new Set(['sessions', 'new', 'budget', 'stop', 'help']);
const maximumCommandNameLength = 32;

/**
 * Reads one message from the pinned person (surrounding whitespace ignored):
 * - `approve`/`deny`, optionally with `/` and a label (`#2`, `2`), any case, as the whole message;
 * - `/sessions`, `/new`, `/budget`, `/stop`, `/help` (no arguments) and `/switch N` (N a positive integer);
 * - any other `/word`, or a known command with arguments it does not take (`/switch`, `/switch 0`, `/new task`,
 *   `/approve now`): `unknown-command` with the command's name (lowercase, at most 32 characters), to be refused;
 * - anything else (also a path such as `/etc/hosts …`): a message for the agent, trimmed. An empty message gives
 *   `{ kind: 'message', text: '' }`, which the caller should not forward.
 */
export function parseSignalReply(text: string): SignalReply {
  const trimmed = text.trim();
  const answered = answer.exec(trimmed);
  if (answered !== null) {
    const kind = answered[1]?.toLowerCase() === 'approve' ? 'approve' : 'deny';
    const digits = answered[2] ?? answered[3];
    return digits === undefined ? { kind } : { kind, label: Number(digits) };
  }
  const command = slashCommand.exec(trimmed);
  if (command === null) return { kind: 'message', text: trimmed };
  const name = (command[1] ?? '').toLowerCase();
  const argument = command[2]?.trim() ?? '';
  if (name === 'switch') {
    const index = /^#?(\d{1,9})$/.exec(argument);
    const value = Number(index?.[1] ?? 0);
    return value >= 1 ? { kind: 'command', name: 'switch', index: value } : unknownCommand(name);
  }
  if (argument === '' && isCommandWithoutArguments(name)) return { kind: 'command', name };
  return unknownCommand(name);
}

function isCommandWithoutArguments(name: string): name is 'sessions' | 'new' | 'budget' | 'stop' | 'help' {
  return commandsWithoutArguments.has(name);
}

function unknownCommand(name: string): SignalReply {
  return { kind: 'unknown-command', name: name.slice(0, maximumCommandNameLength) };
}
