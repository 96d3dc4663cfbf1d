/** A line typed into the escalation listener, understood. */
export type ListenerCommand =
  | { kind: 'answer'; decision: 'approved' | 'denied'; target: 'all' | number[] }
  | { kind: 'list' }
  | { kind: 'sessions' }
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'nothing' }
  | { kind: 'invalid'; problem: string };

/** The help line: every command the listener reads. */
export const listenerHelp =
  'commands: /approve N, /deny N (N: the number shown, or several: /approve 1 3), /approve all, /deny all, ' +
  '/list, /sessions, /quit';

const ticketNumber = /^#?([1-9][0-9]{0,8})$/;

/**
 * Parses one line. Numbers are the dashboard's (`3` or `#3`); a line with anything that is not a number (after
 * `/approve` or `/deny`) is refused as a whole, so a typo never answers part of what was meant.
 */
export function parseListenerCommand(line: string): ListenerCommand {
  const [command, ...words] = line.trim().split(/\s+/);
  switch (command) {
    case '':
    case undefined:
      return { kind: 'nothing' };
    case '/approve':
    case '/deny':
      return parseAnswer(command === '/approve' ? 'approved' : 'denied', words);
    case '/list':
      return words.length === 0 ? { kind: 'list' } : { kind: 'help' };
    case '/sessions':
      return words.length === 0 ? { kind: 'sessions' } : { kind: 'help' };
    case '/quit':
    case '/exit':
      return { kind: 'quit' };
    default:
      return { kind: 'help' };
  }
}

function parseAnswer(decision: 'approved' | 'denied', words: readonly string[]): ListenerCommand {
  const verb = decision === 'approved' ? '/approve' : '/deny';
  if (words.length === 0) {
    return { kind: 'invalid', problem: `say which: ${verb} N (the number shown) or ${verb} all` };
  }
  if (words.length === 1 && words[0]?.toLowerCase() === 'all')
    return { kind: 'answer', decision, target: 'all' };
  const numbers: number[] = [];
  for (const word of words) {
    const match = ticketNumber.exec(word);
    if (match === null) {
      return {
        kind: 'invalid',
        problem: `${verb} takes the numbers shown (${verb} 2, ${verb} 1 3) or all; nothing was answered`,
      };
    }
    const number = Number(match[1]);
    if (!numbers.includes(number)) numbers.push(number);
  }
  return { kind: 'answer', decision, target: numbers };
}
