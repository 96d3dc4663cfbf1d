// A call that comes again after a failure (attempt 2) is answered from what became of its first attempt: the trail's
// records and the recorded gateway process's memory. It is never decided or run twice, and when nobody can say what
// happened the reply is `unknown`, never a guess. The ports are plain functions; the signer and verifier are real.
import { describe, expect, it } from 'vitest';
import {
  createDecisionSigner,
  createDecisionVerifier,
  createMemoryNonceStore,
} from '@ironcurtain/decision-token';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { computeArgsHash } from '@ironcurtain/policy-engine';
import { createUser } from '@nats-io/nkeys';
import type { CallLifecycleDependencies } from '../src/domain/call-lifecycle.js';
import { executeCall } from '../src/domain/call-execution.js';
import { recoverToolCall } from '../src/domain/call-recovery.js';
import type { CallRequest, Reply } from '../src/domain/call-verdict.js';

const canonical = { path: '/sandbox/notes.md', content: 'hello' };
const argsHash = computeArgsHash(canonical);
const request: CallRequest = {
  callId: 'call-1',
  sessionId: 'session-1',
  serverName: 'filesystem',
  toolName: 'write_file',
  arguments: { path: 'notes.md', content: 'hello' },
  attempt: 2,
};
const chain = { seq: 3, prevHash: 'a'.repeat(64), hash: 'b'.repeat(64) };
const common = {
  timestamp: '2026-12-07T10:00:00.000Z',
  requestId: 'call-1',
  sessionId: 'session-1',
  serverName: 'filesystem',
  toolName: 'write_file',
  policyHash: 'p'.repeat(64),
};
const allowRecord = {
  kind: 'decision' as const,
  ...common,
  ...chain,
  policyDecision: { status: 'allow' as const, rule: 'allow-sandbox-writes', reason: 'writes in the sandbox' },
  arguments: canonical,
  argsHash,
  executor: 'gateway-a',
};

type Executed = { executor: string; audience: string; callId: string };

function world(options: {
  records?: Awaited<ReturnType<CallLifecycleDependencies['callRecords']>> | Error;
  execute?: (executor: string) => Promise<{ content: { type: string; text: string }[]; isRepeat?: boolean }>;
  preparedHash?: string;
}) {
  const key = createUser();
  const seed = new TextDecoder().decode(key.getSeed());
  const nonceStore = createMemoryNonceStore();
  // The real gateway's check: only a decision addressed to this executor, signed by the PDP, used once.
  const verifierAt = (executor: string) =>
    createDecisionVerifier({ trustedSigners: [key.getPublicKey()], nonceStore, expectedAudience: executor });
  const executed: Executed[] = [];
  const outcomes: unknown[] = [];
  const prepared: string[] = [];
  const deps = {
    sandboxes: { sandboxDirOf: async () => '/sandbox' },
    signer: createDecisionSigner(seed, 30_000),
    callRecords: async () => {
      if (options.records instanceof Error) throw options.records;
      return options.records ?? {};
    },
    prepare: async () => {
      prepared.push('prepare');
      return {
        status: 'valid' as const,
        canonicalArguments: canonical,
        argsHash: options.preparedHash ?? argsHash,
        executor: 'gateway-b', // whoever answers prepare now: never where a recovered call runs
      };
    },
    execute: async (payload: Parameters<CallLifecycleDependencies['execute']>[0], executor: string) => {
      const verdict = await verifierAt(executor)(payload.decision, {
        ...payload,
        argsHash: computeArgsHash(payload.canonicalArguments),
      });
      if (!verdict.isValid) throw new Error(`decision refused: ${verdict.reason}`);
      executed.push({ executor, audience: executor, callId: payload.callId });
      const result = await (
        options.execute ?? (async () => ({ content: [{ type: 'text', text: 'written' }] }))
      )(executor);
      return { isError: false, truncated: false, sandboxed: true, ...result };
    },
    appendAudit: async (record: unknown) => void outcomes.push(record),
    trackOutcome: () => undefined,
    publishDecision: () => undefined,
    maxArgumentBytes: () => 1024 * 1024,
    now: () => new Date('2026-12-07T10:00:01.000Z'),
  } as unknown as CallLifecycleDependencies;
  return { deps, executed, outcomes, prepared };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
const neverDecide = async (): Promise<Reply> => {
  throw new Error('a call on record must not be decided again');
};

describe('a call that comes again after a failure', () => {
  it('with no decision on record is decided as new (nothing can have run)', async () => {
    const { deps, executed } = world({ records: {} });
    let decided = 0;
    const reply = await recoverToolCall(deps, request, async () => {
      decided += 1;
      return {
        callId: 'call-1',
        outcome: 'denied',
        decision: { decision: 'deny', rule: 'r', reason: 'x' },
        message: 'DENIED: x',
      };
    });
    expect(decided).toBe(1);
    expect(reply.outcome).toBe('denied');
    expect(executed).toEqual([]);
  });

  it('denied on record is denied again, with the recorded rule, and nothing is prepared or run', async () => {
    const denyRecord = {
      ...allowRecord,
      policyDecision: {
        status: 'deny' as const,
        rule: 'escalation-denied',
        reason: 'denied by alice: writes',
      },
      escalationResult: 'denied' as const,
      escalation: { ticketId: 't-1', approver: 'alice' },
    };
    const { deps, executed, prepared } = world({ records: { decision: denyRecord } });
    const reply = await recoverToolCall(deps, request, neverDecide);
    expect(reply).toMatchObject({
      outcome: 'denied',
      decision: { decision: 'deny', rule: 'escalation-denied' },
      message: 'ESCALATION DENIED: denied by alice: writes',
      escalation: { ticketId: 't-1', status: 'denied', approver: 'alice' },
    });
    expect(prepared).toEqual([]);
    expect(executed).toEqual([]);
  });

  it('allowed with no outcome: asks the recorded gateway process only, and returns what its run returned', async () => {
    const { deps, executed, outcomes } = world({
      records: { decision: allowRecord },
      execute: async () => ({
        content: [{ type: 'text', text: 'written by the first run' }],
        isRepeat: true,
      }),
    });
    const reply = await recoverToolCall(deps, request, neverDecide);
    expect(reply).toMatchObject({
      outcome: 'executed',
      content: [{ type: 'text', text: 'written by the first run' }],
    });
    expect(reply).not.toHaveProperty('isRepeat');
    expect(executed).toEqual([{ executor: 'gateway-a', audience: 'gateway-a', callId: 'call-1' }]);
    await settle();
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'outcome', result: { status: 'success' } })]);
  });

  it('allowed with no outcome and the recorded process gone: unknown, may have run, and run nowhere else', async () => {
    const { deps, executed, outcomes } = world({
      records: { decision: allowRecord },
      execute: async () => {
        throw new AppError(ErrorCode.NoResponders, 'mcpgw.execute.v1.gateway-a: no service is answering');
      },
    });
    const reply = await recoverToolCall(deps, request, neverDecide);
    expect(reply.outcome).toBe('unknown');
    expect(reply.message).toMatch(/may have run: check its effect before repeating it/);
    expect(executed.map((call) => call.executor)).toEqual(['gateway-a']);
    await settle();
    expect(outcomes).toEqual([
      expect.objectContaining({
        kind: 'outcome',
        result: { status: 'error', error: expect.stringMatching(/^outcome unknown/) },
      }),
    ]);
  });

  it('allowed and its outcome on record, the process gone: the recorded outcome, not run again or re-recorded', async () => {
    const outcome = {
      kind: 'outcome' as const,
      ...common,
      ...chain,
      seq: 4,
      policyDecision: allowRecord.policyDecision,
      result: { status: 'success' as const },
      durationMs: 5,
    };
    const { deps, executed, outcomes } = world({
      records: { decision: allowRecord, outcome },
      execute: async () => {
        throw new AppError(ErrorCode.NoResponders, 'gone');
      },
    });
    const reply = await recoverToolCall(deps, request, neverDecide);
    expect(reply.outcome).toBe('executed');
    expect(JSON.stringify(reply.content)).toMatch(/already ran and succeeded/);
    expect(executed).toHaveLength(1);
    await settle();
    expect(outcomes).toEqual([]);
  });

  it('allowed, but the call prepares differently now: it is not run under the old decision', async () => {
    const { deps, executed } = world({ records: { decision: allowRecord }, preparedHash: 'c'.repeat(64) });
    const reply = await recoverToolCall(deps, request, neverDecide);
    expect(reply.outcome).toBe('unknown');
    expect(executed).toEqual([]);
  });

  it('a trail that cannot be read: unknown, and nothing is decided or run', async () => {
    const { deps, executed, prepared } = world({
      records: new AppError(ErrorCode.UpstreamTimeout, 'no reply'),
    });
    const reply = await recoverToolCall(deps, request, neverDecide);
    expect(reply).toMatchObject({ outcome: 'unknown', decision: { rule: 'outcome-unknown' } });
    expect(prepared).toEqual([]);
    expect(executed).toEqual([]);
  });
});

describe('a gateway that goes silent mid-execute', () => {
  const prepared = { sandboxDir: '/sandbox', canonicalArguments: canonical, argsHash, executor: 'gateway-a' };
  const verdict = {
    decision: 'allow' as const,
    rule: 'allow-sandbox-writes',
    reason: 'writes',
    policyHash: 'p'.repeat(64),
  };
  const call = { ...request, attempt: 1, arguments: request.arguments as Record<string, unknown> };
  const silent = () =>
    new AppError(
      ErrorCode.ResponderLost,
      'mcpgw.execute.v1.gateway-a: the responder stopped sending progress',
    );

  it('is asked once more, same process: the result of its run comes back (a lost execute, a blip)', async () => {
    let asked = 0;
    const { deps, executed } = world({
      execute: async () => {
        asked += 1;
        if (asked === 1) throw silent();
        return { content: [{ type: 'text', text: 'written once' }], isRepeat: true };
      },
    });
    const reply = await executeCall(deps, call, prepared, verdict, undefined);
    expect(reply).toMatchObject({ outcome: 'executed', content: [{ type: 'text', text: 'written once' }] });
    expect(executed.map((sent) => sent.executor)).toEqual(['gateway-a', 'gateway-a']);
  });

  it('silent again or gone: unknown (may have run), recorded as such, and never sent elsewhere', async () => {
    for (const second of [silent(), new AppError(ErrorCode.NoResponders, 'gone')]) {
      let asked = 0;
      const { deps, executed, outcomes } = world({
        execute: async () => {
          asked += 1;
          throw asked === 1 ? silent() : second;
        },
      });
      const reply = await executeCall(deps, call, prepared, verdict, undefined);
      expect(reply.outcome).toBe('unknown');
      expect(reply.message).toMatch(/^UNKNOWN: .*RESPONDER_LOST.*may have run/);
      expect(executed.map((sent) => sent.executor)).toEqual(['gateway-a', 'gateway-a']);
      await settle();
      expect(outcomes).toEqual([
        expect.objectContaining({
          result: { status: 'error', error: expect.stringMatching(/^outcome unknown: RESPONDER_LOST/) },
        }),
      ]);
    }
  });
});
