// A session's sandbox comes from its record in KV `sessions` (the orchestrator writes it, the agent cannot): a
// workspace there is the session's $SANDBOX for evaluation and for the gateway's canonicalization; a record the PDP
// cannot trust — a refused workspace, one that moved, a malformed record — denies every call of the session
// (`sandbox-unknown`), audited. Real nats-server, the real PDP service, stand-ins for the gateway, audit and router.
import { mkdir, mkdtemp, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, openKeyValue, putJson, request, type Bus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import { activePolicyKey, PdpToolCall, policyBucket, sessionsBucket } from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { loadConfig } from '../src/config.js';
import { createPolicyDecisionPointService } from '../src/service.js';
import { bundleOf, loadTestPolicy, testArtifacts } from './policy-fixture.js';
import { startAudit, startGateway, startRouter, stop } from './responders.js';

let nats: NatsServerHandle;
let home: string;
let workspace: string;
let client: Bus;
let pdp: { stop: () => Promise<void> } | undefined;
let stubs: Array<{ bus: Bus }> = [];
let audit: Awaited<ReturnType<typeof startAudit>>;
const pdpKey = createUser();

let callCounter = 0;
function call(sessionId: string, toolName: string, args: Record<string, unknown>) {
  callCounter += 1;
  return request(
    client,
    PdpToolCall,
    { callId: `w${callCounter}`, sessionId, serverName: 'filesystem', toolName, arguments: args },
    { timeoutMs: 10_000 },
  );
}

async function putRecord(sessionId: string, record: Record<string, unknown>): Promise<void> {
  const kv = await openKeyValue(client, sessionsBucket, { history: 1 });
  await putJson(kv, sessionId, { sessionId, status: 'waiting', ...record });
}

beforeAll(async () => {
  nats = await startNats();
  home = await realpath(await mkdtemp(join(tmpdir(), 'pdp-workspace-')));
  const documents = join(home, 'Documents');
  workspace = join(home, 'src', 'project');
  await mkdir(documents, { recursive: true });
  await mkdir(workspace, { recursive: true });
  await writeFile(join(workspace, 'README.md'), '# the project\n');
  await mkdir(join(home, '.ironcurtain', 'sessions'), { recursive: true });
  client = await connectBus({ url: nats.url, name: 'client' });
  await putJson(await openKeyValue(client, policyBucket, { history: 5 }), activePolicyKey, {
    ...bundleOf(testArtifacts(documents)),
  });
  const gateway = await startGateway(
    nats.url,
    () => loadTestPolicy(documents),
    home,
    () => pdpKey.getPublicKey(),
  );
  audit = await startAudit(nats.url);
  stubs = [gateway, audit, await startRouter(nats.url)];
  const bus = await connectBus({ url: nats.url, name: 'policy-decision-point' });
  const config = loadConfig({
    NATS_URL: nats.url,
    IRONCURTAIN_HOME: join(home, '.ironcurtain'),
    PDP_SIGNING_SEED: new TextDecoder().decode(pdpKey.getSeed()),
  });
  const service = createPolicyDecisionPointService({ bus, config, logger: silentLogger(), cwd: home });
  await service.start();
  pdp = { stop: async () => (await service.stop(), await bus.close()) };
});
afterAll(async () => {
  await pdp?.stop();
  for (const stub of stubs) await stop(stub).catch(() => undefined);
  await client?.close();
  await nats?.dispose();
  await rm(home, { recursive: true, force: true });
});

describe("a session's sandbox from KV sessions", () => {
  it('is the workspace of the record: relative paths land there and it is the sandbox the policy allows', async () => {
    await putRecord('work-1', { workspace });
    const reply = await call('work-1', 'read_file', { path: 'README.md' });
    expect(reply).toMatchObject({ outcome: 'executed', decision: { decision: 'allow' } });
    expect(reply.content?.[0]).toMatchObject({ type: 'text', text: '# the project\n' });
    const written = await call('work-1', 'write_file', { path: 'notes.md', content: 'x' });
    expect(written).toMatchObject({ outcome: 'executed', decision: { decision: 'allow' } });
    // Outside the workspace (its parent) is not the sandbox.
    const outside = await call('work-1', 'write_file', { path: '../escaped.md', content: 'x' });
    expect(outside).toMatchObject({ outcome: 'denied' });
  });

  it('is the default sandbox for a record without a workspace: the workspace is outside it', async () => {
    await putRecord('plain-1', {});
    const reply = await call('plain-1', 'read_file', { path: join(workspace, 'README.md') });
    expect(reply).toMatchObject({ outcome: 'denied' });
  });

  it.each([
    ['a refused workspace (IRONCURTAIN_HOME)', 'bad-1', () => ({ workspace: join(home, '.ironcurtain') })],
    [
      'a workspace inside IRONCURTAIN_HOME',
      'bad-2',
      () => ({ workspace: join(home, '.ironcurtain', 'sessions') }),
    ],
    ['a missing workspace', 'bad-3', () => ({ workspace: join(home, 'gone') })],
    ['a malformed record', 'bad-4', () => ({ workspace: 'src/project' })],
    ['a record of another session', 'bad-5', () => ({ workspace, sessionId: 'work-1' })],
  ])('denies every call for %s, and audits it', async (_what, sessionId, record) => {
    await putRecord(sessionId, record());
    const before = audit.records.length;
    const reply = await call(sessionId, 'read_file', { path: 'README.md' });
    expect(reply).toMatchObject({
      outcome: 'denied',
      decision: { decision: 'deny', rule: 'sandbox-unknown' },
    });
    expect(reply.message).toMatch(/the sandbox of session .* is unknown/);
    await eventually('the decision record', () => audit.records.length > before);
    expect(audit.records.at(-1)).toMatchObject({
      kind: 'decision',
      policyDecision: { status: 'deny', rule: 'sandbox-unknown' },
    });
  });

  it('denies once the workspace was swapped for a symlink elsewhere before the first call', async () => {
    const moved = join(home, 'src', 'moved');
    await mkdir(moved, { recursive: true });
    await putRecord('swap-1', { workspace: moved });
    await rename(moved, join(home, 'src', 'moved-away'));
    await symlink(join(home, '.ironcurtain'), moved);
    const reply = await call('swap-1', 'read_file', { path: 'config.json' });
    expect(reply).toMatchObject({ outcome: 'denied', decision: { rule: 'sandbox-unknown' } });
  });
});
