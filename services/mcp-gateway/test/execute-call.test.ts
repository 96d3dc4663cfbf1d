// The refusal path of execute, with the real verifier and real keys: what is audited, and that the server is never
// reached. The integration suite checks the same records arrive at an audit-writer over the bus.
import { createUser } from '@nats-io/nkeys';
import { describe, expect, it } from 'vitest';
import { createDecisionSigner } from '@ironcurtain/decision-token';
import { computeArgsHash } from '@ironcurtain/policy-engine';
import { createDecisionCheck } from '../src/domain/calls/decision-check.js';
import { executeCall, type VerifierAuditRecord } from '../src/domain/calls/execute-call.js';
import { createCallMemory } from '../src/domain/calls/call-memory.js';

const trusted = createDecisionSigner(createUser());
const instanceId = 'gateway-instance-1';
const checkDecision = createDecisionCheck({
  signers: { current: async () => ({ keys: [trusted.publicKey], source: 'test' }) },
  instanceId,
});

function dependencies(records: VerifierAuditRecord[], options: { auditFails?: boolean } = {}) {
  return {
    verifyDecision: checkDecision,
    annotationOf: () => undefined,
    normalizeArguments: (_server: string, _tool: string, args: Record<string, unknown>) =>
      ({ ok: true, arguments: args }) as const,
    withServer: async () => {
      throw new Error('the server must not be reached');
    },
    screenRepositories: async () => {
      throw new Error('nothing is screened before the decision verifies');
    },
    inRepositoryTurn: async () => {
      throw new Error('nothing takes a turn before the decision verifies');
    },
    appendAudit: async (record: VerifierAuditRecord) => {
      if (options.auditFails) throw new Error('audit down');
      records.push(record);
    },
    onAuditFailure: () => undefined,
    callTimeoutMs: 1000,
    maxResultBytes: 1024,
    now: () => new Date('2026-11-25T10:00:00.000Z'),
    newRefusalId: () => 'refusal-1',
    calls: createCallMemory({ maxCalls: 10, keepResultMs: 1000, now: Date.now }),
    awaitDurableDecision: async () => {
      throw new Error('a decision signed as recorded never waits for the writer');
    },
  };
}

function requestSignedBy(signer: ReturnType<typeof createDecisionSigner>, args: Record<string, unknown>) {
  const subject = { callId: 'c-1', sessionId: 's-1', serverName: 'filesystem', toolName: 'read_file' };
  return {
    ...subject,
    canonicalArguments: args,
    sandboxDir: '/sandbox',
    isContainerSession: false,
    decision: signer.sign({
      ...subject,
      argsHash: computeArgsHash(args),
      decision: 'allow',
      policyHash: 'p',
      audience: instanceId,
      isRecorded: true,
    }),
  };
}

describe('executeCall refusals', () => {
  it('audits a decision from an untrusted key as a verifier record and never reaches the server', async () => {
    const records: VerifierAuditRecord[] = [];
    const forger = createDecisionSigner(createUser());
    const request = requestSignedBy(forger, { path: '/sandbox/a' });
    await expect(executeCall(dependencies(records), request)).rejects.toMatchObject({
      code: 'DECISION_REFUSED',
      message: 'the call was refused (untrusted-signer): the decision was not signed by a trusted PDP key',
    });
    expect(records).toEqual([
      {
        kind: 'verifier',
        timestamp: '2026-11-25T10:00:00.000Z',
        requestId: 'c-1',
        sessionId: 's-1',
        serverName: 'filesystem',
        toolName: 'read_file',
        policyDecision: {
          status: 'deny',
          rule: 'decision-refused',
          reason: 'untrusted-signer: the decision was not signed by a trusted PDP key',
        },
        policyHash: '',
        refusalId: 'refusal-1',
        arguments: { path: '/sandbox/a' },
        argsHash: computeArgsHash({ path: '/sandbox/a' }),
        refusal: { reason: 'untrusted-signer', message: 'the decision was not signed by a trusted PDP key' },
        signer: forger.publicKey,
      },
    ]);
  });

  it('refuses when the arguments differ from the signed ones, even if the audit cannot be written', async () => {
    const request = {
      ...requestSignedBy(trusted, { path: '/sandbox/a' }),
      canonicalArguments: { path: '/etc/shadow' },
    };
    await expect(executeCall(dependencies([], { auditFails: true }), request)).rejects.toMatchObject({
      code: 'DECISION_REFUSED',
      message: expect.stringContaining('argsHash differs'),
    });
  });
});
