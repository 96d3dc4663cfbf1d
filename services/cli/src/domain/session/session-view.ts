import type { PayloadOf, SessionBudgetEvent, SessionOutputEvent } from '@ironcurtain/proto-schemas';
import type { EscalationOpenedEvent } from '@ironcurtain/proto-schemas';

type Output = PayloadOf<typeof SessionOutputEvent>;
type Budget = PayloadOf<typeof SessionBudgetEvent>;
type Ticket = PayloadOf<typeof EscalationOpenedEvent>['ticket'];

/** How a session's output reads in the terminal. */
export function formatOutput(event: Output): string {
  switch (event.kind) {
    case 'assistant':
      return `agent › ${event.text}`;
    case 'tool':
      return indentLines(event.text, '  ⚙ ', '    ');
    case 'system':
      return indentLines(event.text, '  · ', '    ');
  }
}

/** A budget warning or exhaustion, e.g. `budget: steps at 80% (160 of 200)`. */
export function formatBudget(event: Budget): string {
  const amount = (value: number) =>
    event.dimension === 'time'
      ? `${(value / 60_000).toFixed(1)} min`
      : event.dimension === 'cost'
        ? `$${value.toFixed(2)}`
        : Math.round(value).toLocaleString('en-US');
  const share = Math.floor((event.used / event.limit) * 100);
  const state = event.isExhausted ? 'exhausted' : `at ${share}%`;
  return `  ! budget: ${event.dimension} ${state} (${amount(event.used)} of ${amount(event.limit)})`;
}

/** What a person needs to decide on an escalation: the call, its arguments, and why the policy asks. */
export function formatEscalation(ticket: Ticket): string {
  const args = JSON.stringify(ticket.canonicalArguments, null, 2)
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
  return [
    `  ? approval needed [${ticket.id}]: ${ticket.serverName}.${ticket.toolName}`,
    `    reason: ${ticket.reason} (rule ${ticket.rule})`,
    `    arguments:`,
    args,
    `    expires: ${ticket.expiresAt}`,
  ].join('\n');
}

function indentLines(text: string, first: string, rest: string): string {
  return text
    .split('\n')
    .map((line, index) => `${index === 0 ? first : rest}${line}`)
    .join('\n');
}
