import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request, type Bus } from '@ironcurtain/bus';
import { EscalationResolve, SessionBudget, SessionSend } from '@ironcurtain/proto-schemas';
import { terminalSafe, terminalSafeLines } from '@ironcurtain/terminal-text';
import type { PendingApprovals } from './pending-approvals.js';
import { formatWholeCode } from './session-view.js';
import { formatToolCallTally, tallyOfTranscript } from './tool-call-tally.js';

/** What the commands a person types in a session act on. */
export interface SessionCommandContext {
  bus: Bus;
  home: string;
  sessionId: string;
  approver: string;
  pending: PendingApprovals;
  /** The code of each step shown so far; step N is `codes[N - 1]`. */
  codes: readonly string[];
  /** Ask y/N for escalations (the demo) rather than waiting for /approve and /deny. */
  shouldAskYesNo: boolean;
  isSingleShot: boolean;
  print(line: string): void;
}

const commandsHelp = '  · commands: /approve [code], /deny [code], /code [N], /budget, /logs, /quit';
const yesNo = /^(y|yes|n|no)(?:\s+(\S+))?$/i;

/**
 * Handles one line the person typed (trimmed): an answer, a command or (interactive sessions) a new message.
 * Returns `quit` for /quit.
 */
export async function handleSessionLine(
  line: string,
  context: SessionCommandContext,
): Promise<'quit' | void> {
  if (line === '') return;
  const answer = context.shouldAskYesNo && context.pending.count() > 0 ? yesNo.exec(line) : null;
  if (answer !== null) {
    return answerApproval(context, /^y/i.test(answer[1] ?? '') ? 'approved' : 'denied', answer[2]);
  }
  const [command, argument] = line.split(/\s+/, 2);
  switch (command) {
    case '/approve':
      return answerApproval(context, 'approved', argument);
    case '/deny':
      return answerApproval(context, 'denied', argument);
    case '/code':
      return printCode(context, argument);
    case '/budget':
      return printBudget(context);
    case '/logs':
      return printLogs(context);
    case '/quit':
      return 'quit';
    default:
      if (line.startsWith('/')) return context.print(commandsHelp);
      if (context.isSingleShot) return context.print('  · single-shot session: only commands are read');
      await request(context.bus, SessionSend, { sessionId: context.sessionId, message: line });
  }
}

async function answerApproval(
  context: SessionCommandContext,
  decision: 'approved' | 'denied',
  code: string | undefined,
): Promise<void> {
  const howToAnswer = context.shouldAskYesNo ? 'y CODE or n CODE' : '/approve CODE or /deny CODE';
  const choice = context.pending.choose(code, howToAnswer);
  if ('problem' in choice) return context.print(`  · ${choice.problem}`);
  const reply = await request(context.bus, EscalationResolve, {
    ticketId: choice.ticketId,
    decision,
    approver: context.approver,
    channel: 'terminal',
    allowSimilar: false,
  });
  if (!reply.isAccepted) {
    const by = terminalSafe(reply.resolvedBy ?? 'someone else', { maxLength: 100 });
    context.print(`  · ${choice.ticketId} was already ${reply.status} by ${by}`);
  }
}

function printCode(context: SessionCommandContext, argument: string | undefined): void {
  const count = context.codes.length;
  if (count === 0) return context.print('  · no code has run in this session yet');
  const number = argument === undefined ? count : Number(argument);
  const code = Number.isInteger(number) ? context.codes[number - 1] : undefined;
  if (code === undefined)
    return context.print(`  · /code N shows step N's code; steps 1 to ${count} ran so far`);
  context.print(formatWholeCode(code, number));
}

async function printBudget(context: SessionCommandContext): Promise<void> {
  const budget = await request(context.bus, SessionBudget, { sessionId: context.sessionId });
  const amount = (value: number | null) =>
    value === null ? 'unlimited' : String(Math.round(value * 100) / 100);
  for (const scope of ['session', 'turn'] as const) {
    for (const [dimension, status] of Object.entries(budget[scope])) {
      if (scope === 'turn' && status.limit === null) continue;
      context.print(
        `  · ${scope === 'turn' ? 'this turn, ' : ''}${terminalSafe(dimension)}: ` +
          `${amount(status.used)} of ${amount(status.limit)}`,
      );
    }
  }
  for (const note of budget.notes) context.print(`  · ${terminalSafe(note, { maxLength: 500 })}`);
  if (budget.workspace !== undefined) context.print(`  · workspace: ${terminalSafe(budget.workspace)}`);
}

async function printLogs(context: SessionCommandContext): Promise<void> {
  const file = join(context.home, 'sessions', context.sessionId, 'transcript.jsonl');
  const text = await readFile(file, 'utf8').catch(() => '');
  const entries = text.trim() === '' ? [] : text.trim().split('\n').slice(-20);
  context.print(`  · last ${entries.length} transcript entries (${terminalSafe(file)}):`);
  for (const entry of entries) context.print(`    ${formatTranscriptEntry(entry)}`);
  // Counted over the whole transcript, not only the entries shown.
  for (const line of formatToolCallTally(tallyOfTranscript(text), 'in the transcript')) context.print(line);
}

/** One transcript line for `/logs`: time, kind and the first line of its text, safe and short, with what is left out. */
export function formatTranscriptEntry(entry: string): string {
  let parsed: { at?: unknown; kind?: unknown; text?: unknown };
  try {
    parsed = JSON.parse(entry) as typeof parsed;
  } catch {
    return `(not a transcript entry: ${terminalSafe(entry, { maxLength: 80 })})`;
  }
  const { lines, totalLines } = terminalSafeLines(String(parsed.text ?? ''), {
    maxLines: 1,
    maxLineLength: 200,
  });
  const more = totalLines > 1 ? ` (+${totalLines - 1} more line${totalLines === 2 ? '' : 's'})` : '';
  return `${terminalSafe(String(parsed.at ?? ''), { maxLength: 40 })} ${terminalSafe(String(parsed.kind ?? ''), { maxLength: 20 })}: ${lines[0] ?? ''}${more}`;
}
