// The scripted audit trail the dashboard tests write through the real audit-writer: two people (alice with sessions
// a1 and a2, bob with b1), allowed and denied calls, escalations answered by carol and dave, one auto-approved, one
// approved by a session whitelist, one denied, one expired, and gateway refusals; plus records just outside the
// dashboard's time range (session b0 the day before, a3 after it) that no panel may count. The figures the panels must
// show are written out by hand in grafana-queries.int.test.ts.
import type { AuditAppend, AuditAppendRefusal, RequestOf } from '@ironcurtain/proto-schemas';

export type DecisionOrOutcome = RequestOf<typeof AuditAppend>['record'];
export type Refusal = RequestOf<typeof AuditAppendRefusal>['record'];

/** The dashboard's time range in the tests; the scripted calls of 2026-03-02 09:00–11:10 fall inside it. */
export const trailRange = {
  from: new Date('2026-03-02T08:00:00Z'),
  to: new Date('2026-03-02T12:00:00Z'),
};

interface Escalation {
  approver?: string;
  result: 'approved' | 'denied';
  isAuto?: boolean;
  whitelistPattern?: string;
  /** How long the call waited for its answer (not kept by the audit-writer today: see the test). */
  waitMs: number;
}

type Tool = `${string}.${string}`;

interface ScriptedCall {
  sessionId: string;
  userId: string;
  at: string;
  tool: Tool;
  /** The policy's own verdict: allow, deny, or escalate (then `escalation` says how it ended). */
  verdict: 'allow' | 'deny' | 'escalate';
  rule?: string;
  escalation?: Escalation;
  outcome?: { durationMs: number; status: 'success' | 'error' };
}

interface ScriptedRefusal {
  sessionId: string;
  at: string;
  tool: Tool;
  reason: string;
  message: string;
}

// The message of a refusal is partly the agent's: this one tries a right-to-left override, an isolate and controls.
export const hostileRefusalMessage =
  'the decision signature does not verify \u202etxt.exe\u2066 \u0007\u001b[2J';

/** 2026-03-02 at `time` (UTC), or the day before with `isDayBefore`. */
function at(time: string, isDayBefore = false): string {
  return `2026-03-0${isDayBefore ? 1 : 2}T${time}:00Z`;
}

type Outcome = ScriptedCall['outcome'];
const success = (durationMs: number): Outcome => ({ durationMs, status: 'success' });
const approved = (approver: string, waitMs: number): Escalation => ({ approver, result: 'approved', waitMs });

/** The calls of one session of one person, on 2026-03-02 or the day before. */
function session(sessionId: string, userId: string, isDayBefore = false) {
  const call = (time: string, tool: Tool, fields: Partial<ScriptedCall>): ScriptedCall => ({
    sessionId,
    userId,
    at: at(time, isDayBefore),
    tool,
    verdict: 'allow',
    ...fields,
  });
  return {
    allow: (time: string, tool: Tool, durationMs: number) =>
      call(time, tool, { outcome: success(durationMs) }),
    deny: (time: string, tool: Tool, rule: string) => call(time, tool, { verdict: 'deny', rule }),
    escalate: (time: string, tool: Tool, escalation: Escalation, outcome?: Outcome) =>
      call(time, tool, { verdict: 'escalate', escalation, ...(outcome === undefined ? {} : { outcome }) }),
  };
}

const a1 = session('a1', 'alice');
const a2 = session('a2', 'alice');
const a3 = session('a3', 'alice');
const b1 = session('b1', 'bob');
const b0 = session('b0', 'bob', true);

const calls: ScriptedCall[] = [
  a1.allow('09:00', 'filesystem.read_file', 120),
  a1.allow('09:05', 'filesystem.read_file', 80),
  a1.deny('09:10', 'filesystem.read_file', 'deny-ssh-keys'),
  a1.deny('09:15', 'git.git_push', 'deny-force-push'),
  a1.escalate('09:20', 'git.git_push', approved('carol', 4000), success(300)),
  a1.escalate('09:25', 'fetch.fetch', approved('dave', 10_000), { durationMs: 50, status: 'error' }),
  a1.escalate('09:30', 'fetch.fetch', { ...approved('auto-approver', 1500), isAuto: true }, success(40)),
  a2.allow('10:00', 'filesystem.write_file', 60),
  a2.escalate(
    '10:05',
    'filesystem.write_file',
    { ...approved('whitelist', 5), whitelistPattern: 'filesystem: path under /work/docs' },
    success(20),
  ),
  a2.escalate('10:10', 'git.git_push', { approver: 'carol', result: 'denied', waitMs: 2000 }),
  // Nobody answered: the ticket expired (no approver).
  a2.escalate('10:15', 'git.git_push', { result: 'denied', waitMs: 300_000 }),
  b1.allow('10:30', 'filesystem.read_file', 100),
  b1.deny('10:35', 'filesystem.read_file', 'deny-ssh-keys'),
  b1.deny('10:40', 'git.git_push', 'deny-force-push'),
  b1.escalate('10:45', 'git.git_push', approved('dave', 6000), success(200)),
  b1.escalate('10:50', 'fetch.fetch', approved('carol', 8000), success(10)),
  // Outside the range: the day before, and after its end.
  b0.allow('15:00', 'filesystem.read_file', 30),
  b0.deny('15:05', 'git.git_push', 'deny-force-push'),
  b0.escalate('15:10', 'git.git_push', approved('dave', 1000), success(5)),
  a3.deny('12:30', 'filesystem.read_file', 'deny-ssh-keys'),
];

const theArgumentsChanged = 'the arguments differ from the decided ones';
const refusals: ScriptedRefusal[] = [
  {
    sessionId: 'a2',
    at: at('10:20'),
    tool: 'git.git_push',
    reason: 'bad-signature',
    message: hostileRefusalMessage,
  },
  {
    sessionId: 'b1',
    at: at('11:00'),
    tool: 'filesystem.write_file',
    reason: 'arguments-changed',
    message: theArgumentsChanged,
  },
  {
    sessionId: 'b1',
    at: at('11:05'),
    tool: 'filesystem.write_file',
    reason: 'replayed',
    message: `the decision was already used ${'x'.repeat(1000)}`,
  },
  {
    sessionId: 'b1',
    at: at('11:10'),
    tool: 'filesystem.write_file',
    reason: 'arguments-changed',
    message: theArgumentsChanged,
  },
  {
    sessionId: 'b0',
    at: at('15:15', true),
    tool: 'git.git_push',
    reason: 'expired',
    message: 'the decision has expired',
  },
];

const policyHash = 'c'.repeat(64);
const ticketIdOf = (index: number) => `esc_${index.toString(16).padStart(16, '0')}`;

function toolOf(tool: string): { serverName: string; toolName: string } {
  const [serverName = '', toolName = ''] = tool.split('.');
  return { serverName, toolName };
}

// The final decision as the PDP records it: an approved escalation is an allow, a refused or expired one a deny.
function finalDecision(call: ScriptedCall, index: number) {
  const escalation = call.escalation;
  if (escalation === undefined) {
    return {
      status: call.verdict,
      rule: call.rule ?? 'structural-sandbox-allow',
      reason: `scripted call ${index}`,
    };
  }
  if (escalation.result === 'approved') {
    return {
      status: 'allow' as const,
      rule: 'escalate-outside-sandbox',
      reason: `approved by ${escalation.approver}`,
    };
  }
  const why =
    escalation.approver === undefined ? 'nobody answered in time' : `denied by ${escalation.approver}`;
  return { status: 'deny' as const, rule: 'escalation-denied', reason: why };
}

function escalationFields(escalation: Escalation | undefined, index: number) {
  if (escalation === undefined) return {};
  return {
    escalationResult: escalation.result,
    // waitMs as the PDP writes it: the router's opened-to-settled time of the ticket.
    escalation: {
      ticketId: ticketIdOf(index),
      ...(escalation.approver === undefined ? {} : { approver: escalation.approver }),
      waitMs: escalation.waitMs,
    },
    ...(escalation.isAuto === true ? { autoApproved: true } : {}),
    ...(escalation.whitelistPattern === undefined
      ? {}
      : { whitelistApproved: true, whitelistPattern: escalation.whitelistPattern }),
  };
}

function recordsOfCall(call: ScriptedCall, index: number): DecisionOrOutcome[] {
  const common = {
    timestamp: call.at,
    requestId: `call-${index}`,
    sessionId: call.sessionId,
    userId: call.userId,
    ...toolOf(call.tool),
    policyDecision: finalDecision(call, index),
    policyHash,
  };
  const decision = {
    kind: 'decision',
    ...common,
    arguments: { path: `/work/file-${index}` },
    ...escalationFields(call.escalation, index),
  } as DecisionOrOutcome;
  if (call.outcome === undefined) return [decision];
  const outcome: DecisionOrOutcome = {
    kind: 'outcome',
    ...common,
    timestamp: new Date(Date.parse(call.at) + 1000).toISOString(),
    result: {
      status: call.outcome.status,
      ...(call.outcome.status === 'error' ? { error: 'it failed' } : {}),
    },
    durationMs: call.outcome.durationMs,
    sandboxed: true,
  };
  return [decision, outcome];
}

// As the gateway writes them: no userId, the refusal's reason and message, a `decision-refused` deny.
function refusalRecord(refusal: ScriptedRefusal, index: number): Refusal {
  return {
    kind: 'verifier',
    timestamp: refusal.at,
    requestId: `refused-call-${index}`,
    sessionId: refusal.sessionId,
    ...toolOf(refusal.tool),
    policyDecision: {
      status: 'deny',
      rule: 'decision-refused',
      reason: `${refusal.reason}: ${refusal.message}`,
    },
    policyHash: '',
    refusalId: `refusal-${index}`,
    arguments: { path: `/work/refused-${index}` },
    refusal: { reason: refusal.reason, message: refusal.message },
  };
}

/** One step of the script, in time order: a record for audit.append.v1, or a refusal for audit.append-refusal.v1. */
export type TrailStep = { kind: 'append'; record: DecisionOrOutcome } | { kind: 'refusal'; record: Refusal };

/** The whole script, in time order, as the producers would send it. */
export function scriptedTrail(): TrailStep[] {
  const steps: TrailStep[] = [
    ...calls.flatMap((call, index) =>
      recordsOfCall(call, index).map((record) => ({ kind: 'append' as const, record })),
    ),
    ...refusals.map((refusal, index) => ({
      kind: 'refusal' as const,
      record: refusalRecord(refusal, index),
    })),
  ];
  return steps.sort((left, right) => Date.parse(left.record.timestamp) - Date.parse(right.record.timestamp));
}

/** Each escalation's wait, by its ticket id: what the escalation-wait-time panel is checked with. */
export function scriptedWaits(): Map<string, number> {
  const waits = new Map<string, number>();
  calls.forEach((call, index) => {
    if (call.escalation !== undefined) waits.set(ticketIdOf(index), call.escalation.waitMs);
  });
  return waits;
}
