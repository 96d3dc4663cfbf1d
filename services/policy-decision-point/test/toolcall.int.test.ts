import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectBus, openKeyValue, putJson, request, subscribe, type Bus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import { computeArgsHash } from '@ironcurtain/policy-engine';
import {
  activePolicyKey,
  PdpDecisionEvent,
  PdpEvaluate,
  PdpToolCall,
  policyBucket,
} from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { loadConfig } from '../src/config.js';
import { createPolicyDecisionPointService } from '../src/service.js';
import { bundleOf, loadTestPolicy, testArtifacts } from './policy-fixture.js';
import { startAudit, startGateway, startRouter, stop } from './responders.js';

let nats: NatsServerHandle;
let home: string;
let documents: string;
let client: Bus;
let pdp: { bus: Bus; stop: () => Promise<void> } | undefined;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let audit: Awaited<ReturnType<typeof startAudit>>;
let router: Awaited<ReturnType<typeof startRouter>>;
const pdpKey = createUser();
const pdpSeed = new TextDecoder().decode(pdpKey.getSeed());

async function activate(artifacts: ReturnType<typeof testArtifacts>): Promise<void> {
  const kv = await openKeyValue(client, policyBucket, { history: 5 });
  await putJson(kv, activePolicyKey, bundleOf(artifacts));
}

async function startPdp(): Promise<void> {
  const bus = await connectBus({ url: nats.url, name: 'policy-decision-point' });
  const config = loadConfig({
    NATS_URL: nats.url,
    IRONCURTAIN_HOME: join(home, '.ironcurtain'),
    PDP_SIGNING_SEED: pdpSeed,
  });
  const service = createPolicyDecisionPointService({ bus, config, logger: silentLogger(), cwd: home });
  await service.start();
  pdp = { bus, stop: async () => (await service.stop(), await bus.close()) };
}

let callCounter = 0;
function call(toolName: string, args: Record<string, unknown>, serverName = 'filesystem') {
  callCounter += 1;
  return request(
    client,
    PdpToolCall,
    { callId: `c${callCounter}`, sessionId: 's1', serverName, toolName, arguments: args },
    { timeoutMs: 10_000 },
  );
}

beforeAll(async () => {
  nats = await startNats();
  home = await realpath(await mkdtemp(join(tmpdir(), 'pdp-int-')));
  documents = join(home, 'Documents');
  await mkdir(documents, { recursive: true });
  await writeFile(join(documents, 'notes.md'), '# my notes\n');
  await mkdir(join(home, '.ironcurtain'), { recursive: true });
  await writeFile(join(home, '.ironcurtain', 'config.json'), '{}');
});
afterAll(async () => {
  await nats.dispose();
  await rm(home, { recursive: true, force: true });
});
beforeEach(async () => {
  client = await connectBus({ url: nats.url, name: 'client' });
  await activate(testArtifacts(documents));
  gateway = await startGateway(
    nats.url,
    () => loadTestPolicy(documents),
    home,
    () => pdpKey.getPublicKey(),
  );
  audit = await startAudit(nats.url);
  router = await startRouter(nats.url);
  await startPdp();
});
afterEach(async () => {
  await pdp?.stop();
  for (const stub of [gateway, audit, router]) await stop(stub).catch(() => undefined);
  await client.close();
});

describe('pdp.toolcall.v1: allow, deny, escalate', () => {
  it('executes an allowed call after auditing its decision, and audits the outcome', async () => {
    const decisions: string[] = [];
    subscribe(client, PdpDecisionEvent, (event) => void decisions.push(`${event.decision}:${event.rule}`));
    const reply = await call('read_file', { path: join(documents, 'notes.md') });
    expect(reply).toMatchObject({
      outcome: 'executed',
      decision: { decision: 'allow', rule: 'allow-read-documents' },
    });
    expect(reply.content?.[0]).toMatchObject({ type: 'text', text: '# my notes\n' });
    // The outcome is appended while the reply goes back; the decision was on record before the call ran.
    await eventually('the outcome record', () => audit.records.length >= 2);
    expect(audit.records.map((record) => `${record.kind}:${record.policyDecision.status}`)).toEqual([
      'decision:allow',
      'outcome:allow',
    ]);
    expect(audit.records[0]?.policyHash).toBe(bundleOf(testArtifacts(documents)).policyHash);
    expect(audit.records[0]).toMatchObject({
      requestId: reply.callId,
      arguments: { path: join(documents, 'notes.md') },
      policyDecision: { rule: 'allow-read-documents' },
    });
    expect(audit.records[1]).toMatchObject({
      requestId: reply.callId,
      result: { status: 'success' },
      sandboxed: false,
    });
    expect(audit.records[1]?.kind === 'outcome' && audit.records[1].durationMs).toBeGreaterThanOrEqual(0);
    expect(gateway.executed).toHaveLength(1);
    // The record carries the hash the decision was signed for (what the gateway ran) and the arguments' roles.
    const ran = gateway.executed[0];
    if (ran === undefined) throw new Error('no executed call captured');
    expect(audit.records[0]).toMatchObject({
      argsHash: computeArgsHash(ran.canonicalArguments),
      argumentRoles: { path: ['read-path'] },
    });
    await eventually('the decision event', () => decisions.length > 0);
    expect(decisions).toEqual(['allow:allow-read-documents']);
  });

  it('denies a write outside any rule, audits it, and never executes', async () => {
    const reply = await call('write_file', { path: join(home, 'elsewhere.txt'), content: 'x' });
    expect(reply).toMatchObject({ outcome: 'denied', decision: { decision: 'deny', rule: 'default-deny' } });
    expect(reply.message).toMatch(/^DENIED: /);
    expect(gateway.executed).toHaveLength(0);
    expect(
      audit.records.map(
        (record) => `${record.kind}:${record.policyDecision.status}:${record.policyDecision.rule}`,
      ),
    ).toEqual(['decision:deny:default-deny']);
  });

  it('denies a read of the IronCurtain config as a protected path', async () => {
    const reply = await call('read_file', { path: join(home, '.ironcurtain', 'config.json') });
    expect(reply.decision.rule).toBe('structural-protected-path');
    expect(gateway.executed).toHaveLength(0);
  });

  it('denies arguments that break the tool schema as invalid-arguments', async () => {
    const reply = await call('read_file', { path: join(documents, 'notes.md\u0000.txt') });
    expect(reply).toMatchObject({ outcome: 'denied', decision: { rule: 'invalid-arguments' } });
    expect(audit.records[0]).toMatchObject({
      kind: 'decision',
      policyDecision: { status: 'deny', rule: 'invalid-arguments' },
    });
  });

  it('runs an escalated call once a human approves it', async () => {
    router.state.answer = 'approved';
    const reply = await call('git_push', { remote: 'https://github.com/acme/site.git' }, 'git');
    expect(reply).toMatchObject({
      outcome: 'executed',
      escalation: { status: 'approved', approver: 'alice' },
    });
    expect(router.opened[0]).toMatchObject({
      rule: 'push-needs-approval',
      canonicalArguments: { remote: 'github.com/acme/site' },
      // The person sees the remote as the agent wrote it beside the one that will be pushed to.
      requestedArguments: { remote: 'https://github.com/acme/site.git' },
    });
    expect(audit.records[0]).toMatchObject({
      policyDecision: { status: 'allow', rule: 'push-needs-approval' },
      escalationResult: 'approved',
      escalation: { ticketId: 't-1', approver: 'alice' },
    });
  });

  it('denies an escalated call a human denies, or nobody answers', async () => {
    router.state.answer = 'denied';
    const denied = await call('git_push', { remote: 'https://github.com/acme/site.git' }, 'git');
    expect(denied).toMatchObject({ outcome: 'denied', decision: { rule: 'escalation-denied' } });
    expect(denied.message).toMatch(/^ESCALATION DENIED: denied by alice/);
    router.state.answer = 'expired';
    const expired = await call('git_push', { remote: 'https://github.com/acme/other.git' }, 'git');
    expect(expired.message).toMatch(/^ESCALATION DENIED: nobody answered in time/);
    expect(gateway.executed).toHaveLength(0);
    expect(audit.records.map((record) => record.kind === 'decision' && record.escalationResult)).toEqual([
      'denied',
      'denied',
    ]);
  });
});

describe('every failure on the path is a deny', () => {
  it('gateway down ⇒ deny, still audited', async () => {
    await stop(gateway);
    const reply = await call('read_file', { path: join(documents, 'notes.md') });
    expect(reply).toMatchObject({ outcome: 'denied', decision: { rule: 'gateway-unavailable' } });
    expect(reply.message).toMatch(/NO_RESPONDERS/);
    expect(audit.records[0]).toMatchObject({
      policyDecision: { status: 'deny', rule: 'gateway-unavailable' },
    });
  });

  it('escalation-router down ⇒ deny', async () => {
    await stop(router);
    const reply = await call('git_push', { remote: 'https://github.com/acme/site.git' }, 'git');
    expect(reply).toMatchObject({ outcome: 'denied', decision: { rule: 'escalation-failed' } });
    expect(gateway.executed).toHaveLength(0);
  });

  it('audit-writer down or failing ⇒ deny and nothing executes', async () => {
    audit.state.failing = true;
    const failing = await call('read_file', { path: join(documents, 'notes.md') });
    expect(failing).toMatchObject({ outcome: 'denied', decision: { rule: 'audit-unavailable' } });
    await stop(audit);
    const down = await call('read_file', { path: join(documents, 'notes.md') });
    expect(down).toMatchObject({ outcome: 'denied', decision: { rule: 'audit-unavailable' } });
    expect(gateway.executed).toHaveLength(0);
    // Once a writer is back, both denials reach the trail: the outage leaves a trace there too.
    audit = await startAudit(nats.url);
    const recorded = await eventually('the held denials to be recorded', () =>
      audit.records.length >= 2 ? audit.records : undefined,
    );
    expect(recorded.map((record) => [record.kind, record.requestId, record.policyDecision.rule])).toEqual([
      ['decision', failing.callId, 'audit-unavailable'],
      ['decision', down.callId, 'audit-unavailable'],
    ]);
    expect(gateway.executed).toHaveLength(0);
  });

  it('no active policy ⇒ deny', async () => {
    const kv = await openKeyValue(client, policyBucket);
    await kv.purge(activePolicyKey);
    await pdp?.stop();
    await startPdp();
    const reply = await call('read_file', { path: join(documents, 'notes.md') });
    expect(reply).toMatchObject({ outcome: 'denied', decision: { rule: 'no-active-policy' } });
  });
});

describe('decisions addressed to the gateway instance that prepared the call', () => {
  const claimsOf = (decision: { payload: string }) =>
    JSON.parse(Buffer.from(decision.payload, 'base64url').toString()) as Record<string, unknown>;

  it('signs the preparing instance as the audience and sends the execute to it', async () => {
    const reply = await call('read_file', { path: join(documents, 'notes.md') });
    expect(reply.outcome).toBe('executed');
    // The stand-in serves only mcpgw.execute.v1.<its id> and verifies the audience, so reaching it proves both.
    const used = gateway.executed[0];
    if (used === undefined) throw new Error('no executed call captured');
    expect(claimsOf(used.decision).audience).toBe(gateway.instanceId);
  });

  it('an instance gone before the execute: the call is prepared again and runs once on the one that answers', async () => {
    gateway.state.advertise = 'an-instance-that-is-gone';
    gateway.state.advertiseCount = 1;
    const reply = await call('read_file', { path: join(documents, 'notes.md') });
    expect(reply).toMatchObject({ outcome: 'executed', decision: { decision: 'allow' } });
    expect(gateway.prepared).toHaveLength(2);
    expect(gateway.executed).toHaveLength(1);
    await eventually('the outcome record', () => audit.records.length >= 2);
    expect(audit.records.map((record) => record.kind)).toEqual(['decision', 'outcome']);
    expect(audit.records[1]).toMatchObject({ result: { status: 'success' } });
  });

  it('no instance that prepared the same call left ⇒ deny gateway-unavailable, nothing runs', async () => {
    gateway.state.advertise = 'an-instance-that-is-gone';
    gateway.state.advertiseCount = 2;
    const reply = await call('read_file', { path: join(documents, 'notes.md') });
    expect(reply).toMatchObject({
      outcome: 'denied',
      decision: { decision: 'deny', rule: 'gateway-unavailable' },
    });
    expect(reply.message).toMatch(/^DENIED: .*NO_RESPONDERS.*did not run/);
    expect(gateway.executed).toHaveLength(0);
    await eventually('the outcome record', () => audit.records.length >= 2);
    expect(audit.records[1]).toMatchObject({ kind: 'outcome', result: { status: 'error' } });
  });

  it('a prepare reply that names no instance ⇒ deny gateway-unavailable, nothing is signed or runs', async () => {
    gateway.state.omitsExecutor = true;
    const reply = await call('read_file', { path: join(documents, 'notes.md') });
    expect(reply).toMatchObject({
      outcome: 'denied',
      decision: { decision: 'deny', rule: 'gateway-unavailable' },
    });
    expect(reply.message).toMatch(/^DENIED: .*SCHEMA_INVALID/);
    expect(gateway.prepared).toHaveLength(1);
    expect(gateway.executed).toHaveLength(0);
    expect(gateway.refusals).toHaveLength(0);
    await eventually('the decision record', () => audit.records.length >= 1);
    expect(audit.records.map((record) => record.kind)).toEqual(['decision']);
  });
});

describe('policy distribution through KV', () => {
  it('takes effect without a restart, and ignores an invalid bundle', async () => {
    router.state.answer = 'denied';
    const before = await call('git_push', { remote: 'https://github.com/acme/site.git' }, 'git');
    expect(before.decision.rule).toBe('escalation-denied');
    await activate(testArtifacts(documents, { pushDecision: 'allow' }));
    const after = await eventually('the new policy', async () => {
      const reply = await call('git_push', { remote: 'https://github.com/acme/site.git' }, 'git');
      return reply.outcome === 'executed' ? reply : undefined;
    });
    expect(after.policyHash).toBe(bundleOf(testArtifacts(documents, { pushDecision: 'allow' })).policyHash);

    const kv = await openKeyValue(client, policyBucket);
    await putJson(kv, activePolicyKey, {
      ...bundleOf(testArtifacts(documents)),
      compiledPolicy: { rules: 'broken' },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const still = await call('git_push', { remote: 'https://github.com/acme/site.git' }, 'git');
    expect(still.outcome).toBe('executed');
  });

  it('answers dry runs on pdp.evaluate.v1 with the policy hash', async () => {
    const reply = await request(client, PdpEvaluate, {
      serverName: 'filesystem',
      toolName: 'read_file',
      arguments: { path: join(documents, 'notes.md') },
    });
    expect(reply).toMatchObject({
      decision: 'allow',
      rule: 'allow-read-documents',
      policyHash: bundleOf(testArtifacts(documents)).policyHash,
    });
    expect(gateway.executed).toHaveLength(0);
    expect(audit.records).toHaveLength(0);
  });
});

describe('arguments too large for the bus', () => {
  it('a call that carries only their size and hash is denied and recorded, and never prepared', async () => {
    const oversize = { bytes: 5_000_000, sha256: 'e'.repeat(64) };
    const reply = await request(
      client,
      PdpToolCall,
      { callId: 'big-1', sessionId: 's1', serverName: 'filesystem', toolName: 'write_file', oversize },
      { timeoutMs: 10_000 },
    );
    expect(reply).toMatchObject({ outcome: 'denied', decision: { rule: 'arguments-too-large' } });
    expect(gateway.prepared).toEqual([]);
    expect(audit.records).toEqual([
      expect.objectContaining({
        kind: 'decision',
        requestId: 'big-1',
        arguments: {},
        oversize,
        policyDecision: expect.objectContaining({ status: 'deny', rule: 'arguments-too-large' }),
      }),
    ]);
  });

  it('a call whose arguments are nested too deep to hash is denied and recorded by size and hash', async () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 150; level += 1) deep = [deep];
    const reply = await call('write_file', { path: join(documents, 'deep.txt'), content: deep });
    expect(reply.decision.rule).toBe('arguments-too-large');
    expect(reply.message).toMatch(/nested deeper than 100 levels/);
    expect(audit.records[0]).toMatchObject({ arguments: {}, oversize: { bytes: expect.any(Number) } });
    expect(gateway.prepared).toEqual([]);
  });
});

describe('circuit breaker', () => {
  it('denies the 21st identical call within a minute, after auditing it', async () => {
    const replies = [];
    for (let index = 0; index < 21; index += 1)
      replies.push(await call('read_file', { path: join(documents, 'notes.md') }));
    expect(replies.slice(0, 20).every((reply) => reply.outcome === 'executed')).toBe(true);
    expect(replies[20]).toMatchObject({ outcome: 'denied', decision: { rule: 'circuit-breaker' } });
    expect(audit.records.at(-1)).toMatchObject({
      kind: 'decision',
      policyDecision: { status: 'deny', rule: 'circuit-breaker' },
    });
  });
});

describe('signed decisions at the gateway', () => {
  it('refuses a replayed, tampered or expired decision', async () => {
    await call('read_file', { path: join(documents, 'notes.md') });
    const used = gateway.executed[0];
    if (used === undefined) throw new Error('no executed call captured');
    const expected = {
      ...used,
      argsHash: (await import('@ironcurtain/policy-engine')).computeArgsHash(used.canonicalArguments),
    };
    expect(await gateway.verify(used.decision, expected)).toMatchObject({
      isValid: false,
      reason: 'replayed',
    });
    const claims = JSON.parse(Buffer.from(used.decision.payload, 'base64url').toString());
    const tampered = {
      ...used.decision,
      payload: Buffer.from(JSON.stringify({ ...claims, nonce: 'x'.repeat(36) })).toString('base64url'),
    };
    expect(await gateway.verify(tampered, expected)).toMatchObject({
      isValid: false,
      reason: 'bad-signature',
    });
    expect(await gateway.verify(used.decision, expected, claims.expiresAt + 60_000)).toMatchObject({
      isValid: false,
      reason: 'expired',
    });
  });
});
