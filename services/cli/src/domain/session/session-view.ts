import type { PayloadOf, SessionBudgetEvent, SessionOutputEvent } from '@ironcurtain/proto-schemas';
import type { EscalationOpenedEvent } from '@ironcurtain/proto-schemas';
import {
  formatEscalationPrompt,
  terminalSafe,
  terminalSafeLines,
  ticketShortCode,
} from '@ironcurtain/terminal-text';

type Output = PayloadOf<typeof SessionOutputEvent>;
type Budget = PayloadOf<typeof SessionBudgetEvent>;
type Ticket = PayloadOf<typeof EscalationOpenedEvent>['ticket'];

// Everything the agent, a tool or a page wrote is shown through @ironcurtain/terminal-text, and every line of it
// carries a gutter (`agent │`, `    │`) that IronCurtain's own lines (`  ? `, `  · `, `    reason:`) never start
// with, so text cannot pass itself off as a prompt.
const assistantLimits = { maxLines: 200, maxLineLength: 2000 } as const;
const noteLimits = { maxLines: 20, maxLineLength: 500 } as const;
/** Lines of code shown as each step runs; `/code N` shows the rest. */
export const codeExcerptLines = 12;
const codeLineLength = 200;
const codeNoteHeader = /^running code \(\d+ lines?\):\n/;

/** The code of a `running code` note (the orchestrator's own header, then the code raw), or undefined. */
export function codeOfNote(event: Output): string | undefined {
  if (event.kind !== 'tool') return undefined;
  const header = codeNoteHeader.exec(event.text);
  return header === null ? undefined : event.text.slice(header[0].length);
}

/** How a session's output reads in the terminal (code notes go through {@link formatCodeNote}). */
export function formatOutput(event: Output): string {
  switch (event.kind) {
    case 'assistant':
      return withGutter(event.text, 'agent › ', 'agent │ ', assistantLimits);
    case 'tool':
      return withGutter(event.text, '  ⚙ ', '    │ ', noteLimits);
    case 'system':
      return withGutter(event.text, '  · ', '    │ ', noteLimits);
  }
}

/**
 * The code a step runs, numbered: the first {@link codeExcerptLines} lines, each cut visibly when long, and in the
 * header and at the end how many lines are not shown and how to see them.
 */
export function formatCodeNote(code: string, number: number): string {
  const excerpt = terminalSafeLines(code, { maxLines: codeExcerptLines, maxLineLength: codeLineLength });
  const count = `${excerpt.totalLines} line${excerpt.totalLines === 1 ? '' : 's'}`;
  const hidden =
    excerpt.hiddenLines === 0 ? '' : `, ${excerpt.hiddenLines} not shown (/code ${number} shows all)`;
  return [
    `  ⚙ running code #${number}: ${count}${hidden}`,
    ...excerpt.lines.map((line) => `    │ ${line}`),
    ...(excerpt.hiddenLines === 0
      ? []
      : [
          `    … ${excerpt.hiddenLines} more lines not shown: /code ${number} shows all ${excerpt.totalLines}`,
        ]),
  ].join('\n');
}

/** The whole code of step `number`, every line numbered and terminal-safe, for `/code`. */
export function formatWholeCode(code: string, number: number): string {
  const { lines, totalLines } = terminalSafeLines(code);
  const width = String(totalLines).length;
  return [
    `  · code #${number}, all ${totalLines} line${totalLines === 1 ? '' : 's'}:`,
    ...lines.map((line, index) => `    ${String(index + 1).padStart(width)} │ ${line}`),
    `  · end of code #${number}`,
  ].join('\n');
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
  return `  ! budget: ${terminalSafe(event.dimension)} ${state} (${amount(event.used)} of ${amount(event.limit)})`;
}

/**
 * What a person needs to decide on an escalation, from the ticket itself: the call and its short code, why the
 * policy asks, the arguments (resources first and whole), the expiry, and how to answer.
 */
export function formatEscalation(ticket: Ticket, shouldAskYesNo: boolean): string {
  const [first, ...rest] = formatEscalationPrompt(ticket);
  const code = ticketShortCode(ticket.id);
  const answer = shouldAskYesNo ? `approve ${code}? [y/N]` : `answer with /approve ${code} or /deny ${code}`;
  return [
    `  ? ${first ?? ''}`,
    ...rest.map((line) => `    ${line}`),
    `    expires: ${terminalSafe(ticket.expiresAt)}`,
    `    ${answer}`,
  ].join('\n');
}

/**
 * A multi-line text made safe, its first line after `first` and every other line after `rest`; lines past
 * `maxLines` are counted on a line of IronCurtain's own (`  … 12 more lines not shown`).
 */
export function withGutter(
  text: string,
  first: string,
  rest: string,
  limits: { maxLines?: number; maxLineLength?: number } = {},
): string {
  const { lines, hiddenLines } = terminalSafeLines(text, limits);
  const shown = lines.map((line, index) => `${index === 0 ? first : rest}${line}`);
  if (hiddenLines > 0) shown.push(`  … ${hiddenLines} more line${hiddenLines === 1 ? '' : 's'} not shown`);
  return shown.join('\n');
}
