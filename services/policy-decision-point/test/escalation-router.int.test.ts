// The PDP with the real escalation-router running as a process (gateway and audit-writer are stand-ins): escalated
// calls carry their argument roles, survive a router SIGKILL (the PDP long-polls and asks the next router), and an
// "allow similar" approval lets the next matching call through. Needs `npx tsc -b services/escalation-router`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser } from '@nats-io/nkeys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, openKeyValue, putJson, request, serviceInfos, type Bus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import {
  activePolicyKey,
  EscalationList,
  EscalationResolve,
  PdpToolCall,
  policyBucket,
} from '@ironcurtain/proto-schemas';
import { eventually, startNats, stopProcess, type NatsServerHandle } from '@ironcurtain/testing';
import { loadConfig } from '../src/config.js';
import { createPolicyDecisionPointService } from '../src/service.js';
import { bundleOf, loadTestPolicy, testArtifacts } from './policy-fixture.js';
import { startAudit, startGateway, stop } from './responders.js';

const routerEntry = fileURLToPath(new URL('../../escalation-router/dist/index.js', import.meta.url));
const pdpKey = createUser();

let nats: NatsServerHandle;
let home: string;
let client: Bus;
let router: ChildProcess | undefined;
let pdp: { stop: () => Promise<void> };
let gateway: Awaited<ReturnType<typeof startGateway>>;
let audit: Awaited<ReturnType<typeof startAudit>>;

async function startRouterProcess(): Promise<ChildProcess> {
  const before = new Set(
    (await serviceInfos(client, 'escalation-router').catch(() => [])).map((info) => info.id),
  );
  const child = spawn(process.execPath, [routerEntry], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NATS_URL: nats.url,
      IRONCURTAIN_HOME: join(home, '.ironcurtain'),
    },
    stdio: 'ignore',
  });
  await eventually('the router to serve', async () => {
    const infos = await serviceInfos(client, 'escalation-router').catch(() => []);
    return infos.some((info) => !before.has(info.id) && info.endpoints.length === 3);
  });
  return child;
}

beforeAll(async () => {
  nats = await startNats();
  home = await realpath(await mkdtemp(join(tmpdir(), 'pdp-router-')));
  const documents = join(home, 'Documents');
  await mkdir(documents, { recursive: true });
  await mkdir(join(home, '.ironcurtain'), { recursive: true });
  await writeFile(join(home, '.ironcurtain', 'config.json'), '{}');
  client = await connectBus({ url: nats.url, name: 'client' });
  await putJson(
    await openKeyValue(client, policyBucket, { history: 5 }),
    activePolicyKey,
    bundleOf(testArtifacts(documents)),
  );
  gateway = await startGateway(
    nats.url,
    () => loadTestPolicy(documents),
    home,
    () => pdpKey.getPublicKey(),
  );
  audit = await startAudit(nats.url);
  const bus = await connectBus({ url: nats.url, name: 'policy-decision-point' });
  const config = loadConfig({
    NATS_URL: nats.url,
    IRONCURTAIN_HOME: join(home, '.ironcurtain'),
    PDP_SIGNING_SEED: new TextDecoder().decode(pdpKey.getSeed()),
    PDP_ESCALATION_WAIT_SECONDS: '1',
  });
  const service = createPolicyDecisionPointService({ bus, config, logger: silentLogger(), cwd: home });
  await service.start();
  pdp = { stop: async () => (await service.stop(), await bus.close()) };
  router = await startRouterProcess();
});
afterAll(async () => {
  if (router !== undefined) await stopProcess(router);
  await pdp.stop();
  await stop(gateway);
  await stop(audit);
  await client.close();
  await nats.dispose();
  await rm(home, { recursive: true, force: true });
});

const push = (callId: string, remote: string) =>
  request(
    client,
    PdpToolCall,
    { callId, sessionId: 'sess-e2e', serverName: 'git', toolName: 'git_push', arguments: { remote } },
    { timeoutMs: 60_000 },
  );

describe('the PDP and the real escalation-router', () => {
  it('a call escalated while the router is SIGKILLed and restarted still gets its human answer', async () => {
    const reply = push('push-1', 'https://github.com/acme/site.git');
    const ticket = await eventually('the ticket', async () => {
      const { tickets } = await request(client, EscalationList, { sessionId: 'sess-e2e' });
      return tickets[0];
    });
    expect(ticket).toMatchObject({
      callId: 'push-1',
      canonicalArguments: { remote: 'github.com/acme/site' },
      requestedArguments: { remote: 'https://github.com/acme/site.git' },
      escalatedRoles: ['git-remote-url'],
      argumentRoles: { remote: ['git-remote-url'] },
    });
    const killed = router;
    if (killed === undefined) throw new Error('no router');
    const exited = new Promise((resolve) => killed.once('exit', resolve));
    killed.kill('SIGKILL');
    await exited;
    router = await startRouterProcess();
    const answeredAt = Date.now();
    const answer = await request(client, EscalationResolve, {
      ticketId: ticket.id,
      decision: 'approved',
      approver: 'alice',
      channel: 'terminal',
      allowSimilar: true,
    });
    expect(answer).toMatchObject({
      isAccepted: true,
      similarPattern: 'git: git-remote-url repository github.com/acme/site',
    });
    expect(await reply).toMatchObject({
      outcome: 'executed',
      escalation: { ticketId: ticket.id, status: 'approved', approver: 'alice' },
    });
    expect(
      audit.records.find((record) => record.kind === 'decision' && record.requestId === ticket.callId),
    ).toMatchObject({
      escalationResult: 'approved',
      similarPattern: 'git: git-remote-url repository github.com/acme/site',
    });
    // How long the person took (the ticket's wait, through the router restart), for the dashboards.
    const decision = audit.records.find(
      (record) => record.kind === 'decision' && record.requestId === ticket.callId,
    ) as { escalation?: { waitMs?: number } } | undefined;
    const waited = answeredAt - Date.parse(ticket.createdAt);
    expect(decision?.escalation?.waitMs).toBeGreaterThanOrEqual(waited - 50);
    expect(decision?.escalation?.waitMs).toBeLessThanOrEqual(waited + 2000);
  });

  it('after "allow similar", the same repository is approved by the session whitelist; another one is not', async () => {
    const again = await push('push-2', 'git@github.com:acme/site.git');
    expect(again).toMatchObject({
      outcome: 'executed',
      escalation: { status: 'approved', approver: 'whitelist' },
    });
    // Audit records which pattern let the call through.
    expect(
      audit.records.find((record) => record.kind === 'decision' && record.requestId === 'push-2'),
    ).toMatchObject({
      whitelistApproved: true,
      whitelistPattern: 'git: git-remote-url repository github.com/acme/site',
    });
    const other = push('push-3', 'https://github.com/attacker/loot.git');
    const ticket = await eventually('the other ticket', async () => {
      const { tickets } = await request(client, EscalationList, { sessionId: 'sess-e2e' });
      return tickets.find((pending) => pending.callId === 'push-3');
    });
    await request(client, EscalationResolve, {
      ticketId: ticket.id,
      decision: 'denied',
      approver: 'alice',
      channel: 'terminal',
    });
    expect(await other).toMatchObject({ outcome: 'denied', decision: { rule: 'escalation-denied' } });
    expect(gateway.executed.map((call) => call.canonicalArguments['remote'])).toEqual([
      'github.com/acme/site',
      'github.com/acme/site',
    ]);
  });
});
