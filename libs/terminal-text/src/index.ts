export {
  moreCharacters,
  moreLines,
  terminalSafe,
  terminalSafeLines,
  terminalSafeText,
  type TerminalSafeLines,
  type TerminalSafeLinesOptions,
  type TerminalSafeOptions,
} from './terminal-safe.js';
export { escapeTerminalControls, terminalSafeJson } from './terminal-safe-json.js';
export { escapeCharacter, isUnsafeCharacter } from './unsafe-characters.js';
export {
  escalationArgumentLines,
  formatEscalationPrompt,
  isTicketNamedBy,
  orderPromptArguments,
  ticketShortCode,
  type EscalationPromptOptions,
  type EscalationPromptTicket,
  type PromptArgument,
} from './escalation-prompt.js';
