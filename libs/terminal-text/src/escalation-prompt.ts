import { moreCharacters, terminalSafe } from './terminal-safe.js';
import { terminalSafeJson } from './terminal-safe-json.js';

/** What an approval prompt is made from: the fields of an `EscalationTicket` (proto-schemas) it shows. */
export interface EscalationPromptTicket {
  /** `esc_` + 16 hex digits. */
  readonly id: string;
  readonly serverName: string;
  readonly toolName: string;
  /** The arguments the policy judged (canonical paths, URLs and remotes): what will run. */
  readonly canonicalArguments: Readonly<Record<string, unknown>>;
  /** The arguments as the agent asked for them, when the PDP found them different from the canonical ones. */
  readonly requestedArguments?: Readonly<Record<string, unknown>> | undefined;
  /** Each argument's roles for this call; an argument missing here is treated as one that may name a resource. */
  readonly argumentRoles?: Readonly<Record<string, readonly string[]>>;
  /** The roles whose values made the policy ask. */
  readonly escalatedRoles: readonly string[];
  readonly reason: string;
  readonly rule: string;
}

/** How {@link formatEscalationPrompt} and {@link escalationArgumentLines} shorten what may be shortened. */
export interface EscalationPromptOptions {
  /**
   * The longest value shown of an argument whose only role is `none` (default 200); longer ones are cut visibly.
   * Arguments with any other role, or with no known role, are never cut.
   */
  readonly maxOtherArgumentLength?: number;
}

/** One argument as a prompt shows it, in prompt order. */
export interface PromptArgument {
  readonly name: string;
  readonly roles: readonly string[];
  /** One of its roles is escalated: this value is what the person is asked about. */
  readonly isEscalated: boolean;
  /** It has a role other than `none`, or no known role: its value is never cut. */
  readonly isNeverCut: boolean;
  readonly value: unknown;
}

const defaultMaxOtherArgumentLength = 200;
const shortCodeLength = 6;

/**
 * The code a person types to name a ticket: the first 6 hex digits of its id (`esc_3f9a0c1d…` → `3f9a0c`). Ticket
 * ids hash the session and a random call id, so an agent cannot know the code before the prompt shows it.
 */
export function ticketShortCode(ticketId: string): string {
  return /^esc_[0-9a-f]{16}$/.test(ticketId) ? ticketId.slice(4, 4 + shortCodeLength) : ticketId;
}

/**
 * True when `answer` names the ticket: its whole id, its short code, or a longer prefix of its hex digits (with or
 * without `esc_`), in any case.
 */
export function isTicketNamedBy(ticketId: string, answer: string): boolean {
  const wanted = answer.trim().toLowerCase();
  if (wanted === ticketId.toLowerCase()) return true;
  if (!/^esc_[0-9a-f]{16}$/.test(ticketId)) return false;
  const digits = wanted.startsWith('esc_') ? wanted.slice(4) : wanted;
  return digits.length >= shortCodeLength && ticketId.slice(4).startsWith(digits);
}

/**
 * The arguments in the order a person should read them: those with an escalated role first, then those with any
 * other role or no known role (paths, URLs, remotes, identifiers, commands…), then those whose only role is `none`.
 * Within each group the agent's order is kept; the agent's order never pushes a resource behind padding.
 */
export function orderPromptArguments(ticket: EscalationPromptTicket): PromptArgument[] {
  const roleMap = ticket.argumentRoles ?? {};
  const escalated = new Set(ticket.escalatedRoles);
  const entries = Object.entries(ticket.canonicalArguments).map(([name, value]): PromptArgument => {
    const roles = Object.hasOwn(roleMap, name) ? (roleMap[name] ?? []) : [];
    const isOnlyNone = roles.length > 0 && roles.every((role) => role === 'none');
    return {
      name,
      roles,
      isEscalated: roles.some((role) => escalated.has(role)),
      isNeverCut: !isOnlyNone,
      value,
    };
  });
  const rank = (argument: PromptArgument): number => (argument.isEscalated ? 0 : argument.isNeverCut ? 1 : 2);
  return entries
    .map((argument, index) => ({ argument, index }))
    .sort((left, right) => rank(left.argument) - rank(right.argument) || left.index - right.index)
    .map(({ argument }) => argument);
}

/**
 * One line per argument, in {@link orderPromptArguments} order: `url [fetch-url, escalated]: "https://…"`. Where the
 * agent asked for an argument in another form than the one that will run (`requestedArguments`), the argument takes
 * three lines: its name, `  asked: …` and `  will run: …`; an argument only asked for comes last, `will run: (not
 * passed on)`. Values are terminal-safe JSON; only the values of `none` arguments and the asked forms (the form that
 * will run is shown beside them) are ever shortened, and then visibly.
 */
export function escalationArgumentLines(
  ticket: EscalationPromptTicket,
  options: EscalationPromptOptions = {},
): string[] {
  const maxLength = options.maxOtherArgumentLength ?? defaultMaxOtherArgumentLength;
  const requested = ticket.requestedArguments;
  // Arguments the agent gave that the gateway did not pass on: shown last, with what became of them.
  const onlyAsked = Object.keys(requested ?? {})
    .filter((name) => !Object.hasOwn(ticket.canonicalArguments, name))
    .map((name): PromptArgument => ({
      name,
      roles: [],
      isEscalated: false,
      isNeverCut: true,
      value: undefined,
    }));
  return [...orderPromptArguments(ticket), ...onlyAsked].flatMap((argument) => {
    const labels = [...argument.roles, ...(argument.isEscalated ? ['escalated'] : [])];
    const label = labels.length === 0 ? '' : ` [${terminalSafe(labels.join(', '))}]`;
    const name = `${terminalSafe(argument.name, { maxLength: 100 })}${label}:`;
    const isCanonical = Object.hasOwn(ticket.canonicalArguments, argument.name);
    const willRun = isCanonical
      ? shownValue(argument.value, argument.isNeverCut, maxLength)
      : '(not passed on)';
    if (
      requested === undefined ||
      !isAskedDifferently(requested, argument.name, argument.value, isCanonical)
    ) {
      return [`${name} ${willRun}`];
    }
    const asked = Object.hasOwn(requested, argument.name)
      ? shownValue(requested[argument.name], false, maxLength)
      : '(not given)';
    return [name, `  asked: ${asked}`, `  will run: ${willRun}`];
  });
}

/** True when the agent's form of an argument is not the one that will run (JSON compared, as both travel). */
function isAskedDifferently(
  requested: Readonly<Record<string, unknown>>,
  name: string,
  value: unknown,
  isCanonical: boolean,
): boolean {
  if (!Object.hasOwn(requested, name)) return isCanonical;
  return !isCanonical || JSON.stringify(requested[name]) !== JSON.stringify(value);
}

function shownValue(value: unknown, isNeverCut: boolean, maxLength: number): string {
  const json = terminalSafeJson(value);
  return isNeverCut ? json : cutVisibly(json, maxLength);
}

/**
 * The approval prompt of a ticket, as lines without indentation: what is asked (with the short code and the whole
 * id), why, and every argument (see {@link escalationArgumentLines}). Every string in it is terminal-safe.
 */
export function formatEscalationPrompt(
  ticket: EscalationPromptTicket,
  options: EscalationPromptOptions = {},
): string[] {
  const call = `${terminalSafe(ticket.serverName, { maxLength: 100 })}.${terminalSafe(ticket.toolName, { maxLength: 100 })}`;
  return [
    `approval needed [${terminalSafe(ticketShortCode(ticket.id))}]: ${call} (ticket ${terminalSafe(ticket.id)})`,
    `reason: ${terminalSafe(ticket.reason, { maxLength: 500 })} (rule ${terminalSafe(ticket.rule, { maxLength: 100 })})`,
    ...escalationArgumentLines(ticket, options),
  ];
}

function cutVisibly(text: string, maxLength: number): string {
  const characters = Array.from(text);
  if (characters.length <= maxLength) return text;
  return `${characters.slice(0, maxLength).join('')}${moreCharacters(characters.length - maxLength)}`;
}
