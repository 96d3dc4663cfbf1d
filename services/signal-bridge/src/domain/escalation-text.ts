// The messages about an escalation on the phone: the request (what, why, which label, until when, how to answer)
// and what became of it. The agent wrote the arguments, and may have written them to deceive: every value is shown
// as terminal-safe JSON (controls, bidi and invisible characters as escapes), can never set a style, and arrives in
// the order of the CLI prompt: the escalated arguments first, padding last, so what is asked about cannot be pushed
// out of the message.
import type { EscalationTicket as EscalationTicketSchema } from '@ironcurtain/proto-schemas';
import {
  orderPromptArguments,
  terminalSafe,
  terminalSafeJson,
  ticketShortCode,
  type PromptArgument,
} from '@ironcurtain/terminal-text';
import type { z } from 'zod';
import { cutVisibly, phoneSafeLine } from './phone-text.js';
import { styledTextOf, TextStyle, type StyledRun } from './styled-text.js';

/** An escalation ticket as the bus delivers it (proto-schemas `EscalationTicket`). */
export type EscalationTicket = z.output<typeof EscalationTicketSchema>;

/** The longest escalation message, style markers and escapes included: one Signal message with room to spare. */
export const maximumEscalationMessageLength = 1500;

// A value whose only role is `none` (padding, headers, contents) and the form the agent asked for are cut here;
// the value that will run is cut only when the message would be too long.
const maximumOtherValueLength = 120;
const minimumShownValueLength = 16;

type Line = StyledRun[];

const plain = (text: string): StyledRun => ({ text, style: TextStyle.plain });
const bold = (text: string): StyledRun => ({ text, style: TextStyle.bold });
const monospace = (text: string): StyledRun => ({ text, style: TextStyle.monospace });

/**
 * The styled message (`text_mode: "styled"`) for a new escalation labelled `label`: the call (`server.tool`), the
 * reason and rule, the session and ticket code, each argument (and, where `requestedArguments` differ, what the agent
 * asked for beside what will run), the time left and the expiry in UTC, and how to answer (`approve #N` / `deny
 * #N`). At most {@link maximumEscalationMessageLength} characters: long values are cut visibly, and arguments that
 * do not fit are counted, not dropped silently.
 */
export function escalationMessage(ticket: EscalationTicket, label: number, now: Date): string {
  const call = `${terminalSafe(ticket.serverName, { maxLength: 100 })}.${terminalSafe(ticket.toolName, { maxLength: 100 })}`;
  const header: Line[] = [
    [bold(`Approval needed #${label}`), plain(': '), monospace(call)],
    [
      plain(
        `Why: ${terminalSafe(ticket.reason, { maxLength: 300 })} (rule ${terminalSafe(ticket.rule, { maxLength: 100 })})`,
      ),
    ],
    [
      plain(
        `Session ${terminalSafe(ticket.sessionId, { maxLength: 64 })}, ticket ${terminalSafe(ticketShortCode(ticket.id), { maxLength: 40 })}`,
      ),
    ],
  ];
  const footer: Line[] = [
    [plain(expiryText(ticket.expiresAt, now))],
    [plain('Answer '), bold(`approve #${label}`), plain(' or '), bold(`deny #${label}`), plain('.')],
  ];
  const fixedLength = [...header, ...footer].reduce((total, line) => total + lengthOf(line) + 1, 0);
  const argumentLines = argumentLinesWithin(ticket, maximumEscalationMessageLength - fixedLength);
  return styledTextOf(joinLines([...header, ...argumentLines, ...footer]));
}

/**
 * The message for a ticket that was answered or expired, as plain text that reads the same in `normal` and `styled`
 * text modes: `#2 was approved by alice (cli).`, `#2 expired unanswered: the call was not made.` Without a label the
 * ticket's short code names it.
 */
export function resolutionMessage(
  event: { ticketId: string; status: string; approver?: string; channel?: string; autoApproved?: boolean },
  label: number | undefined,
): string {
  const name =
    label === undefined ? `Ticket ${phoneSafeLine(ticketShortCode(event.ticketId), 40)}` : `#${label}`;
  const channel = event.channel === undefined ? '' : ` (${phoneSafeLine(event.channel, 40)})`;
  const by =
    event.autoApproved === true
      ? ' by the auto-approver'
      : event.approver === 'whitelist'
        ? ' by the session whitelist'
        : event.approver === undefined
          ? ''
          : ` by ${phoneSafeLine(event.approver, 60)}`;
  switch (event.status) {
    case 'approved':
      return `${name} was approved${by}${channel}.`;
    case 'denied':
      return `${name} was denied${by}${channel}: the call was not made.`;
    case 'expired':
      return `${name} expired unanswered: the call was not made.`;
    case 'pending':
      return `${name} is still waiting for an answer.`;
    default:
      return `${name} is now ${phoneSafeLine(event.status, 40)}.`;
  }
}

function joinLines(lines: readonly Line[]): StyledRun[] {
  return lines.flatMap((line, index) => (index === 0 ? line : [plain('\n'), ...line]));
}

function lengthOf(line: Line): number {
  return styledTextOf(line).length;
}

interface ShownArgument {
  /** `name [roles, escalated]:` */
  readonly title: string;
  /** The JSON that will run, or a note such as `(not passed on)`. */
  readonly willRun: string;
  /** False for a note, which is shown whole or not at all. */
  readonly canShorten: boolean;
  /** What the agent asked for, where it differs. */
  readonly asked?: string;
}

function argumentLinesWithin(ticket: EscalationTicket, budget: number): Line[] {
  const shown = shownArguments(ticket);
  if (shown.length === 0) return [[plain('No arguments.')]];
  const lines: Line[] = [];
  // Room for the line that counts what did not fit, whether it is needed or not.
  let remaining = budget - lengthOf(notShownLine(shown.length)) - 1;
  let hidden = 0;
  for (const argument of shown) {
    const fitting = hidden === 0 ? argumentFitting(argument, remaining) : undefined;
    if (fitting === undefined) {
      hidden += 1;
      continue;
    }
    lines.push(...fitting);
    remaining -= fitting.reduce((total, line) => total + lengthOf(line) + 1, 0);
  }
  return hidden === 0 ? lines : [...lines, notShownLine(hidden)];
}

function notShownLine(count: number): Line {
  const arguments_ = count === 1 ? 'argument is' : 'arguments are';
  return [
    plain(
      `… ${count} more ${arguments_} not shown here (ironcurtain escalations shows all). Deny if unsure.`,
    ),
  ];
}

/** The lines of one argument within `room` characters, its will-run value cut further if need be. */
function argumentFitting(argument: ShownArgument, room: number): Line[] | undefined {
  const linesWith = (willRun: string): Line[] => {
    if (argument.asked === undefined) return [[plain(`• ${argument.title} `), monospace(willRun)]];
    return [
      [plain(`• ${argument.title}`)],
      [plain('  asked: '), monospace(argument.asked)],
      [plain('  will run: '), monospace(willRun)],
    ];
  };
  const lengthWith = (willRun: string) =>
    linesWith(willRun).reduce((total, line) => total + lengthOf(line) + 1, 0);
  if (lengthWith(argument.willRun) <= room) return linesWith(argument.willRun);
  if (!argument.canShorten) return undefined;
  // The largest cut that fits (the line grows with the characters kept).
  let low = minimumShownValueLength;
  let high = Math.min(Array.from(argument.willRun).length, room);
  if (lengthWith(cutVisibly(argument.willRun, low)) > room) return undefined;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (lengthWith(cutVisibly(argument.willRun, middle)) <= room) low = middle;
    else high = middle - 1;
  }
  return linesWith(cutVisibly(argument.willRun, low));
}

/** The arguments in prompt order, then those only asked for, as the CLI prompt shows them. */
function shownArguments(ticket: EscalationTicket): ShownArgument[] {
  const requested = ticket.requestedArguments;
  const ordered: PromptArgument[] = orderPromptArguments(ticket);
  const onlyAsked = Object.keys(requested ?? {}).filter(
    (name) => !Object.hasOwn(ticket.canonicalArguments, name),
  );
  return [
    ...ordered.map((argument) => {
      const labels = [...argument.roles, ...(argument.isEscalated ? ['escalated'] : [])];
      const title = `${terminalSafe(argument.name, { maxLength: 60 })}${labels.length === 0 ? '' : ` [${terminalSafe(labels.join(', '), { maxLength: 100 })}]`}:`;
      const json = terminalSafeJson(argument.value);
      const willRun = argument.isNeverCut ? json : cutVisibly(json, maximumOtherValueLength);
      const isAskedDifferently =
        requested !== undefined &&
        (!Object.hasOwn(requested, argument.name) ||
          JSON.stringify(requested[argument.name]) !== JSON.stringify(argument.value));
      if (!isAskedDifferently) return { title, willRun, canShorten: true };
      return { title, willRun, canShorten: true, asked: askedForm(requested, argument.name) };
    }),
    ...onlyAsked.map((name) => ({
      title: `${terminalSafe(name, { maxLength: 60 })}:`,
      willRun: '(not passed on)',
      canShorten: false,
      asked: askedForm(requested, name),
    })),
  ];
}

function askedForm(requested: Readonly<Record<string, unknown>> | undefined, name: string): string {
  if (requested === undefined || !Object.hasOwn(requested, name)) return '(not given)';
  return cutVisibly(terminalSafeJson(requested[name]), maximumOtherValueLength);
}

/** `Expires in 4 min 30 s, at 14:03:05 UTC.` (with the date when it is not today's in UTC). */
function expiryText(expiresAt: string, now: Date): string {
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return 'The expiry time is unknown: answer soon.';
  const iso = new Date(at).toISOString();
  const isToday = !Number.isNaN(now.getTime()) && now.toISOString().slice(0, 10) === iso.slice(0, 10);
  const clock = `${isToday ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, 19)} UTC`;
  const left = at - now.getTime();
  if (!(left > 0)) return `Expired at ${clock}: an answer now is refused, and the call is not made.`;
  return `Expires in ${durationText(left)}, at ${clock}.`;
}

function durationText(milliseconds: number): string {
  const seconds = Math.max(1, Math.floor(milliseconds / 1000));
  const [days, hours, minutes, rest] = [
    Math.floor(seconds / 86_400),
    Math.floor(seconds / 3600) % 24,
    Math.floor(seconds / 60) % 60,
    seconds % 60,
  ];
  if (days > 0) return `${days} d${hours > 0 ? ` ${hours} h` : ''}`;
  if (hours > 0) return `${hours} h${minutes > 0 ? ` ${minutes} min` : ''}`;
  if (minutes > 0) return `${minutes} min${rest > 0 ? ` ${rest} s` : ''}`;
  return `${rest} s`;
}
