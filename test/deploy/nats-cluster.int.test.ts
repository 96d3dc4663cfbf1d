// The stack on a 3-node JetStream cluster (three nats-server processes on loopback, KV buckets R3): tool calls run in
// a loop while the node that leads KV `escalations` is SIGKILLed. Every call must end answered or denied — never
// executed without a decision record in the audit trail —, an escalation pending before the kill is answered after
// it, and no acknowledged write to KV `policy` or `escalations` is lost. Needs `npx tsc -b` (services' dist/).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, openKeyValue, request } from '@ironcurtain/bus';
import { errorCodeOf } from '@ironcurtain/errors';
import {
  activePolicyKey,
  EscalationList,
  EscalationResolve,
  EscalationTicket,
  PdpToolCall,
  PolicyBundle,
  policyBucket,
  type ParsedResponseOf,
} from '@ironcurtain/proto-schemas';
import { eventually, startNatsCluster, type NatsClusterHandle } from '@ironcurtain/testing';
import { escalationsBucket } from '../../services/escalation-router/src/store/ticket-store.js';
import { startClusterStack, type ClusterStack } from './cluster-stack.js';

type Reply = ParsedResponseOf<typeof PdpToolCall>;
type Kind = 'write' | 'read' | 'outside' | 'escalate';

/** One tool call of the run and how it ended: a reply, or the error code the caller got (it then denies). */
interface CallRecord {
  callId: string;
  kind: Kind;
  path: string;
  content: string;
  sentAt: number;
  durationMs?: number;
  reply?: Reply;
  errorCode?: string;
}

const sessionId = 'sess-cluster';
// The errors a caller of the PDP may get when a node dies under the request: it treats them as a deny.
// A request that got no answer; RESPONDER_LOST: the PDP took it and then went silent (its node died). This test sends
// pdp.toolcall.v1 itself, so nothing retries it the way the orchestrator does (attempt 2).
const failClosedCodes = ['UPSTREAM_TIMEOUT', 'NO_RESPONDERS', 'UNAVAILABLE', 'RESPONDER_LOST'];
const started = Date.now();
const at = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

let cluster: NatsClusterHandle;
let stack: ClusterStack;

let callCounter = 0;

async function call(kind: Kind, path: string, content: string, timeoutMs = 15_000): Promise<CallRecord> {
  callCounter += 1;
  const callId = `cluster-${callCounter}`;
  const isRead = kind === 'read';
  const record: CallRecord = { callId, kind, path, content, sentAt: Date.now() };
  try {
    record.reply = await request(
      stack.bus,
      PdpToolCall,
      {
        callId,
        sessionId,
        serverName: 'filesystem',
        toolName: isRead ? 'read_text_file' : 'write_file',
        arguments: isRead ? { path } : { path, content },
      },
      { timeoutMs },
    );
  } catch (error) {
    record.errorCode = errorCodeOf(error) ?? String(error);
  }
  record.durationMs = Date.now() - record.sentAt;
  return record;
}

/** The `index`-th call of the loop: mostly sandbox writes, some reads of them, and writes outside (denied). */
function loopCall(index: number): Promise<CallRecord> {
  if (index % 5 === 3) return call('read', join(stack.sandbox, `w-${index - 1}.txt`), '');
  if (index % 5 === 4)
    return call('outside', join(stack.userHome, `outside-${index}.txt`), `outside ${index}`);
  return call('write', join(stack.sandbox, `w-${index}.txt`), `written by call ${index}`);
}

/** Runs `workers` loops of calls, each appended to `calls` once it ends, until `isRunning()` turns false. */
async function callLoop(calls: CallRecord[], workers: number, isRunning: () => boolean): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (isRunning()) {
        calls.push(await loopCall((next += 1)));
        // An agent thinks between calls; and a call that fails at once must not starve the timers of this test.
        await sleep(10);
      }
    }),
  );
}

const pendingTickets = async () =>
  (await request(stack.bus, EscalationList, { sessionId }, { timeoutMs: 5000 })).tickets;

async function resolveTicket(ticketId: string, decision: 'approved' | 'denied') {
  const resolve = { ticketId, decision, approver: 'alice', channel: 'terminal' };
  return request(stack.bus, EscalationResolve, resolve, { timeoutMs: 5000 });
}

/** Opens an escalation (a change to ~/Downloads/existing.txt) and waits until its ticket is pending. */
async function escalate(content: string) {
  const before = new Set((await pendingTickets()).map((ticket) => ticket.id));
  let settled: CallRecord | undefined;
  const answer = call('escalate', join(stack.userHome, 'Downloads', 'existing.txt'), content, 60_000);
  void answer.then((record) => (settled = record));
  const ticket = await eventually('the escalation to be pending', async () => {
    if (settled !== undefined)
      throw new Error(`the call ended unescalated: ${JSON.stringify(settled)}\n${stack.output()}`);
    return (await pendingTickets()).find((pending) => !before.has(pending.id));
  });
  return { ticket, answer };
}

/** The node to kill: the leader of KV `escalations` (so the pending ticket's stream must fail over), and its roles. */
async function victim() {
  const manager = await jetstreamManager(stack.bus.connection);
  const leaderOf = async (bucket: string) => (await manager.streams.info(`KV_${bucket}`)).cluster?.leader;
  const name = await leaderOf(escalationsBucket);
  const index = cluster.nodes.findIndex((node) => node.name === name);
  const connz = (await (await fetch(`${cluster.nodes[index]?.monitorUrl}/connz`)).json()) as {
    connections?: Array<{ name?: string }>;
  };
  const roles = {
    metaLeader: await cluster.waitForMetaLeader(),
    policyLeader: await leaderOf(policyBucket),
    connections: (connz.connections ?? []).map((connection) => connection.name).sort(),
  };
  return { index, name, roles };
}

function fileContent(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

describe('the stack on a 3-node JetStream cluster', () => {
  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    console.log(`[${at()}] cluster up: ${cluster.nodes.map((node) => node.name).join(', ')}`);
    stack = await startClusterStack(cluster, sessionId);
    console.log(`[${at()}] stack up on ${cluster.url}`);
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await cluster?.dispose();
  });

  it('one node SIGKILLed mid-run: calls are still decided, the pending escalation is answered, KV keeps every write', async () => {
    // Before the kill: two escalations answered, one left pending.
    const approvedFirst = await escalate('approved before the kill\n');
    expect(await resolveTicket(approvedFirst.ticket.id, 'approved')).toMatchObject({ isAccepted: true });
    expect((await approvedFirst.answer).reply).toMatchObject({ outcome: 'executed' });
    const deniedFirst = await escalate('denied before the kill\n');
    expect(await resolveTicket(deniedFirst.ticket.id, 'denied')).toMatchObject({ isAccepted: true });
    expect((await deniedFirst.answer).reply).toMatchObject({ outcome: 'denied' });
    const pending = await escalate('approved after the kill\n');
    const ticketsBeforeKill = [approvedFirst.ticket.id, deniedFirst.ticket.id, pending.ticket.id];
    console.log(`[${at()}] escalations: 2 answered, ${pending.ticket.id} pending`);

    const calls: CallRecord[] = [];
    let isRunning = true;
    const loop = callLoop(calls, 3, () => isRunning);
    await sleep(3000);
    const target = await victim();
    const killedAt = Date.now();
    await cluster.killNode(target.index);
    console.log(`[${at()}] SIGKILLed ${target.name} (${JSON.stringify(target.roles)})`);
    const newLeader = await cluster.waitForMetaLeader();
    console.log(`[${at()}] meta leader: ${newLeader} (${Date.now() - killedAt} ms after the kill)`);

    // The ticket is still pending with the node gone, and a human answers it; an answer the router could not store
    // yet (its bucket electing a leader) is given again, as a person would: the first stored answer wins.
    // Listing reads every key of KV `escalations` through a new consumer, which JetStream may still place on the
    // dead node for some seconds (that attempt times out): asked again until it answers.
    const stillPending = await eventually('the pending tickets after the kill', pendingTickets, 30_000, 250);
    expect(stillPending.map((ticket) => ticket.id)).toEqual([pending.ticket.id]);
    console.log(`[${at()}] ${pending.ticket.id} still pending (escalation.list answered)`);
    let attempts = 0;
    const resolved = await eventually(
      'the pending escalation to be resolved after the kill',
      async () => {
        attempts += 1;
        const reply = await resolveTicket(pending.ticket.id, 'approved');
        return reply.status === 'pending' ? undefined : reply;
      },
      20_000,
      250,
    );
    console.log(`[${at()}] pending ticket resolved after the kill (${attempts} attempt(s))`);
    expect(resolved).toMatchObject({ status: 'approved' });
    const pendingCall = await pending.answer;
    console.log(`[${at()}] its call: ${pendingCall.reply?.outcome ?? pendingCall.errorCode}`);
    expect(pendingCall.reply).toMatchObject({
      outcome: 'executed',
      escalation: { ticketId: pending.ticket.id, status: 'approved', approver: 'alice' },
    });
    expect(await fileContent(pendingCall.path)).toBe('approved after the kill\n');

    // Requests on their way through the dying node are lost (NATS delivers at most once): their callers wait out the
    // 15 s timeout. The loop runs on until calls sent after the kill have run, and at least 8 s past it.
    const executedAfterKill = () =>
      calls.filter((entry) => entry.sentAt >= killedAt && entry.reply?.outcome === 'executed').length;
    await eventually(
      'calls sent after the kill to be executed',
      () => (Date.now() >= killedAt + 8000 && executedAfterKill() >= 20) || undefined,
      45_000,
      100,
    );
    isRunning = false;
    await loop;
    await checkCalls(calls, killedAt);
    await checkBuckets(ticketsBeforeKill);
    console.log(`[${at()}] done`);
  }, 90_000);
});

/** Every call answered or failed closed; no effect without an allow decision record; calls decided after the kill. */
async function checkCalls(calls: CallRecord[], killedAt: number): Promise<void> {
  const records = await stack.auditRecords();
  const decisions = new Map(
    records.filter((record) => record['kind'] === 'decision').map((record) => [record['requestId'], record]),
  );
  const tally = new Map<string, number>();
  for (const entry of calls) {
    const phase = entry.sentAt < killedAt ? 'before' : 'after';
    const denial = entry.reply?.outcome === 'denied' ? ` (${entry.reply.decision.rule})` : '';
    const ending = `${entry.reply?.outcome ?? entry.errorCode ?? 'nothing'}${denial}`;
    tally.set(`${phase} ${ending}`, (tally.get(`${phase} ${ending}`) ?? 0) + 1);
    if (entry.reply === undefined) expect(failClosedCodes, entry.callId).toContain(entry.errorCode);
    const decision = decisions.get(entry.callId) as { policyDecision?: { status?: string } } | undefined;
    const isAllowed = decision?.policyDecision?.status === 'allow';
    if (entry.kind !== 'read') {
      const hasEffect = (await fileContent(entry.path)) === entry.content;
      if (hasEffect)
        expect(isAllowed, `${entry.callId} wrote ${entry.path} without an allow record`).toBe(true);
      if (entry.reply?.outcome === 'denied') expect(hasEffect, `${entry.callId} was denied`).toBe(false);
      if (entry.reply?.outcome === 'executed' && entry.reply.isError !== true) expect(hasEffect).toBe(true);
    }
    if (entry.reply?.outcome === 'executed')
      expect(isAllowed, `${entry.callId} has no allow record`).toBe(true);
    if (entry.kind === 'outside') expect(entry.reply?.outcome ?? 'denied').toBe('denied');
  }
  const slowest = Math.max(...calls.map((entry) => entry.durationMs ?? 0));
  console.log(
    `[${at()}] ${calls.length} calls (slowest ${slowest} ms): ${JSON.stringify(Object.fromEntries([...tally].sort()))}`,
  );
  const executed = (phase: (sentAt: number) => boolean) =>
    calls.filter((entry) => phase(entry.sentAt) && entry.reply?.outcome === 'executed').length;
  expect(executed((sentAt) => sentAt < killedAt)).toBeGreaterThanOrEqual(20);
  expect(executed((sentAt) => sentAt >= killedAt)).toBeGreaterThanOrEqual(20);
}

/**
 * Every revision of the policy and every ticket written before the kill is still there, as written. Read with retries:
 * for seconds after a node dies JetStream may still place a new consumer (a history read) on it, and that request
 * times out — availability, which the calls above checked; here it is whether anything acknowledged was lost.
 */
async function checkBuckets(ticketIds: readonly string[]): Promise<void> {
  const policy = await eventually('KV policy', () => openKeyValue(stack.bus, policyBucket), 30_000, 250);
  const escalations = await eventually(
    'KV escalations',
    () => openKeyValue(stack.bus, escalationsBucket),
    30_000,
  );
  const revisions = await eventually(
    'the policy history',
    async () => {
      const found: number[] = [];
      for await (const entry of await policy.history({ key: activePolicyKey })) found.push(entry.revision);
      return found;
    },
    30_000,
    250,
  );
  expect(revisions).toEqual(stack.policyRevisions);
  expect((await getJson(policy, activePolicyKey, PolicyBundle))?.value).toMatchObject({
    policyHash: stack.policyHash,
    activatedAt: stack.policyActivatedAt,
  });
  const statuses = await eventually('the tickets', () =>
    Promise.all(
      ticketIds.map(async (id) => (await getJson(escalations, id, EscalationTicket))?.value.status),
    ),
  );
  expect(statuses).toEqual(['approved', 'denied', 'approved']);
  expect([(await policy.status()).replicas, (await escalations.status()).replicas]).toEqual([3, 3]);
  console.log(`[${at()}] KV: policy revisions ${revisions.join(', ')}; tickets ${statuses.join(', ')}`);
}
