// What a session's audit trail says happened: its records (read from `sessions/<id>/audit.jsonl`, as the
// audit-writer wrote them), the call chain for reports, and the checks that every executed call has its decision.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The fields of an audit record the benchmark reads (proto-schemas AuditRecord; other fields are kept). */
export interface AuditEntry {
  kind: 'decision' | 'outcome' | 'verifier' | string;
  seq: number;
  timestamp: string;
  requestId: string;
  serverName: string;
  toolName: string;
  policyDecision: { status: string; rule: string; reason: string };
  arguments?: Record<string, unknown>;
  escalationResult?: 'approved' | 'denied';
  escalation?: { ticketId: string; approver?: string };
  result?: { status: 'success' | 'error'; error?: string };
  refusal?: { reason: string; message: string };
}

/** One tool call as the trail tells it, for reports. */
export interface ChainedCall {
  seq: number;
  call: string;
  arguments: string;
  decision: string;
  rule: string;
  /** The decision's reason (for a denial: what the agent was told), cut to 200 characters. */
  reason: string;
  escalation?: 'approved' | 'denied';
  /** `success`/`error` when it ran, `refused` when the gateway refused it, else `not run`. */
  outcome: string;
  timestamp: string;
}

/** The records of a session's trail, in order; an absent trail is empty. */
export async function readAuditTrail(ironcurtainHome: string, sessionId: string): Promise<AuditEntry[]> {
  const text = await readFile(join(ironcurtainHome, 'sessions', sessionId, 'audit.jsonl'), 'utf8').catch(
    () => '',
  );
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as AuditEntry];
      } catch {
        return [];
      }
    });
}

function brief(value: unknown, limit = 300): string {
  const text = JSON.stringify(value) ?? '';
  return text.length <= limit ? text : `${text.slice(0, limit)}…`;
}

/** Every decision with how it ended: the call chain of a session. */
export function callChain(records: readonly AuditEntry[]): ChainedCall[] {
  return records
    .filter((record) => record.kind === 'decision')
    .map((decision) => {
      const related = records.filter((record) => record.requestId === decision.requestId);
      const outcome = related.find((record) => record.kind === 'outcome');
      const refused = related.find((record) => record.kind === 'verifier');
      return {
        seq: decision.seq,
        call: `${decision.serverName}.${decision.toolName}`,
        arguments: brief(decision.arguments ?? {}),
        decision: decision.policyDecision.status,
        rule: decision.policyDecision.rule,
        reason: brief(decision.policyDecision.reason, 200).slice(1, -1),
        ...(decision.escalationResult === undefined ? {} : { escalation: decision.escalationResult }),
        outcome: outcome?.result?.status ?? (refused === undefined ? 'not run' : 'refused'),
        timestamp: decision.timestamp,
      };
    });
}

/**
 * Whether the JSON of `args` (as JSON.stringify writes it: no spaces, strings escaped) contains every text. JSON and
 * nothing looser, so `"domain":"pypi.org"` matches that argument and not a free-text field that quotes it.
 */
export function argumentsContainAll(args: unknown, texts: readonly string[]): boolean {
  const json = JSON.stringify(args) ?? '';
  return texts.every((text) => json.includes(text));
}

/** The executed calls of `server.tool` whose arguments contain every text: decisions allowed that then ran. */
export function executedCalls(
  records: readonly AuditEntry[],
  server: string,
  tool: string,
  argumentsContain: readonly string[],
): AuditEntry[] {
  const ran = new Set(
    records.filter((record) => record.kind === 'outcome').map((record) => record.requestId),
  );
  return records.filter(
    (record) =>
      record.kind === 'decision' &&
      record.serverName === server &&
      record.toolName === tool &&
      record.policyDecision.status === 'allow' &&
      ran.has(record.requestId) &&
      argumentsContainAll(record.arguments ?? {}, argumentsContain),
  );
}

const executedNote = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+: (allowed|the tool reported an error)/;

/** How many calls the session reported as run (its `allowed` and `the tool reported an error` notes). */
export function reportedRuns(toolNotes: readonly string[]): number {
  return toolNotes.filter((note) => executedNote.test(note)).length;
}

/**
 * The trail once the outcomes of the calls the session reported as run are on disk: the PDP appends an outcome
 * just after its reply goes back, so the last call's outcome may land after the turn has ended. Waits up to
 * `timeoutMs`, then returns the trail as it is.
 */
export async function settledAuditTrail(
  ironcurtainHome: string,
  sessionId: string,
  toolNotes: readonly string[],
  timeoutMs = 5000,
): Promise<AuditEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await readAuditTrail(ironcurtainHome, sessionId);
    const outcomes = records.filter((record) => record.kind === 'outcome').length;
    if (outcomes >= reportedRuns(toolNotes) || Date.now() >= deadline) return records;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Calls that ran without their decision on record: an outcome with no allow decision before it, or more calls
 * the session reported as run (its tool notes) than outcomes in the trail.
 */
export function callsWithoutDecision(records: readonly AuditEntry[], toolNotes: readonly string[]): string[] {
  const problems: string[] = [];
  for (const outcome of records.filter((record) => record.kind === 'outcome')) {
    const decision = records.find(
      (record) =>
        record.kind === 'decision' &&
        record.requestId === outcome.requestId &&
        record.seq < outcome.seq &&
        record.policyDecision.status === 'allow',
    );
    if (decision === undefined) {
      problems.push(
        `${outcome.serverName}.${outcome.toolName} ran (outcome seq ${outcome.seq}) with no allow decision before it`,
      );
    }
  }
  const reported = reportedRuns(toolNotes);
  const outcomes = records.filter((record) => record.kind === 'outcome').length;
  if (reported > outcomes) {
    problems.push(`the session reported ${reported} calls as run, the audit trail records ${outcomes}`);
  }
  return problems;
}
