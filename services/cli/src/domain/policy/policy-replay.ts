import { AuditRecord, lifecycleRuleIds } from '@ironcurtain/proto-schemas';
import { formatJsonPath } from '@ironcurtain/policy-engine';
import { describeJsonSyntaxError } from '../json-line.js';
import { createLocalDecider, type LocalDecider, type LocalPolicy } from './local-decision.js';
import { sessionSandbox } from './policy-locations.js';

/**
 * Rule ids of denials that came from the life of a call in the PDP (a tripped breaker, a service down, a human's
 * no), not from the policy: a policy cannot reproduce them, so they are not re-decided.
 */
export const pdpLevelRuleIds: readonly string[] = [...lifecycleRuleIds, 'invalid-arguments'];

const maximumMalformedShown = 20;

/** A recorded decision and the one the candidate policy reaches. */
export interface ReplayChange {
  line: number;
  sessionId: string;
  callId?: string;
  serverName: string;
  toolName: string;
  arguments: Record<string, unknown>;
  /** What the policy decided then; an approved escalation counts as `escalate`. */
  from: { decision: string; rule: string; escalation?: string };
  to: { decision: string; rule: string; reason: string };
}

/** The outcome of replaying an audit trail under a candidate policy. */
export interface ReplayReport {
  /** Decision records re-decided (changed + unchanged). */
  decisions: number;
  unchanged: number;
  /** Of the unchanged, those now decided by a different rule. */
  unchangedWithOtherRule: number;
  changed: number;
  transitions: { from: string; to: string; count: number }[];
  notReDecidable: { count: number; byRule: Record<string, number> };
  /** Records that are not decisions (outcomes, escalations, egress …). */
  skipped: number;
  malformed: { count: number; lines: { line: number; problem: string }[] };
  /** The first `limit` changed calls, in trail order. */
  changes: ReplayChange[];
}

/**
 * Re-decides every decision record of an audit trail (JSONL of `AuditRecord`) under `local`. Recorded arguments
 * are already canonical, so they are evaluated directly, in the sandbox of the record's session. Lines that are
 * not records are counted and reported, never fatal.
 */
export async function replayAuditTrail(
  lines: AsyncIterable<string>,
  local: LocalPolicy,
  options: { home: string; limit: number },
): Promise<ReplayReport> {
  const tally = createTally(options.limit);
  const deciders = new Map<string, LocalDecider>();
  const deciderFor = (sessionId: string): LocalDecider => {
    const decider =
      deciders.get(sessionId) ?? createLocalDecider(local, sessionSandbox(options.home, sessionId));
    deciders.set(sessionId, decider);
    return decider;
  };
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber += 1;
    if (text.trim() === '') continue;
    const read = readDecisionRecord(text);
    if (read.kind === 'decision' && !pdpLevelRuleIds.includes(read.record.rule)) {
      tally.addDecision(redecide(read.record, lineNumber, deciderFor(read.record.sessionId)));
    } else {
      tally.addUndecided(read, lineNumber);
    }
  }
  return tally.report();
}

function createTally(limit: number) {
  const report = emptyReport();
  const transitions = new Map<string, { from: string; to: string; count: number }>();
  return {
    addDecision(change: ReplayChange): void {
      report.decisions += 1;
      if (change.from.decision === change.to.decision) {
        report.unchanged += 1;
        if (change.from.rule !== change.to.rule) report.unchangedWithOtherRule += 1;
        return;
      }
      report.changed += 1;
      const key = `${change.from.decision} -> ${change.to.decision}`;
      const transition = transitions.get(key) ?? {
        from: change.from.decision,
        to: change.to.decision,
        count: 0,
      };
      transition.count += 1;
      transitions.set(key, transition);
      if (report.changes.length < limit) report.changes.push(change);
    },
    addUndecided(read: RecordRead, line: number): void {
      if (read.kind === 'other') {
        report.skipped += 1;
      } else if (read.kind === 'malformed') {
        report.malformed.count += 1;
        if (report.malformed.lines.length < maximumMalformedShown)
          report.malformed.lines.push({ line, problem: read.problem });
      } else {
        const byRule = report.notReDecidable.byRule;
        report.notReDecidable.count += 1;
        byRule[read.record.rule] = (byRule[read.record.rule] ?? 0) + 1;
      }
    },
    report(): ReplayReport {
      return { ...report, transitions: [...transitions.values()] };
    },
  };
}

interface DecisionRecord {
  sessionId: string;
  callId?: string | undefined;
  serverName: string;
  toolName: string;
  arguments: Record<string, unknown>;
  decision: string;
  rule: string;
  escalation?: string | undefined;
}

type RecordRead =
  { kind: 'decision'; record: DecisionRecord } | { kind: 'other' } | { kind: 'malformed'; problem: string };

function readDecisionRecord(text: string): RecordRead {
  const syntaxProblem = describeJsonSyntaxError(text);
  if (syntaxProblem !== undefined) return { kind: 'malformed', problem: syntaxProblem };
  const parsed = AuditRecord.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : `${formatJsonPath(issue.path)}: `;
    return { kind: 'malformed', problem: `not an audit record: ${where}${issue?.message ?? 'invalid'}` };
  }
  const record = parsed.data;
  if (record.kind !== 'decision') return { kind: 'other' };
  const { status, rule } = record.policyDecision;
  const escalation = record.escalationResult;
  return {
    kind: 'decision',
    record: {
      sessionId: record.sessionId,
      callId: record.requestId,
      serverName: record.serverName,
      toolName: record.toolName,
      arguments: record.arguments,
      // The PDP records an approved escalation as allow under the escalating rule: the policy said escalate.
      decision: escalation === 'approved' && status === 'allow' ? 'escalate' : status,
      rule,
      escalation,
    },
  };
}

function redecide(record: DecisionRecord, line: number, decider: LocalDecider): ReplayChange {
  const now = decider.decideCanonical({
    serverName: record.serverName,
    toolName: record.toolName,
    arguments: record.arguments,
  });
  return {
    line,
    sessionId: record.sessionId,
    ...(record.callId === undefined ? {} : { callId: record.callId }),
    serverName: record.serverName,
    toolName: record.toolName,
    arguments: record.arguments,
    from: {
      decision: record.decision,
      rule: record.rule,
      ...(record.escalation === undefined ? {} : { escalation: record.escalation }),
    },
    to: { decision: now.decision, rule: now.rule, reason: now.reason },
  };
}

function emptyReport(): ReplayReport {
  return {
    decisions: 0,
    unchanged: 0,
    unchangedWithOtherRule: 0,
    changed: 0,
    transitions: [],
    notReDecidable: { count: 0, byRule: {} },
    skipped: 0,
    malformed: { count: 0, lines: [] },
    changes: [],
  };
}
