// The router in-process against a real nats-server: open, answer, race, expiry, idempotency, listing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectBus, request, subscribe, type Bus } from '@ironcurtain/bus';
import {
  EscalationList,
  EscalationOpenedEvent,
  EscalationResolve,
  EscalationResolvedEvent,
  type PayloadOf,
} from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { openOnce, openUntilSettled, startRouter, writeFileEscalation } from './router-fixture.js';

let nats: NatsServerHandle;
let home: string;
let client: Bus;
let routers: Array<Awaited<ReturnType<typeof startRouter>>> = [];
let opened: Array<PayloadOf<typeof EscalationOpenedEvent>>;
let resolved: Array<PayloadOf<typeof EscalationResolvedEvent>>;

beforeAll(async () => {
  nats = await startNats();
  home = await mkdtemp(join(tmpdir(), 'escalation-router-'));
});
afterAll(async () => {
  await nats.dispose();
  await rm(home, { recursive: true, force: true });
});
beforeEach(async () => {
  client = await connectBus({ url: nats.url, name: 'test-client' });
  opened = [];
  resolved = [];
  subscribe(client, EscalationOpenedEvent, (event) => void opened.push(event));
  subscribe(client, EscalationResolvedEvent, (event) => void resolved.push(event));
  await client.connection.flush();
});
afterEach(async () => {
  for (const router of routers) await router.stop().catch(() => undefined);
  routers = [];
  await client.close();
});

async function start(env: Record<string, string> = {}): Promise<void> {
  routers.push(await startRouter(nats.url, home, env));
}

const resolve = (ticketId: string, decision: string, approver = 'alice', allowSimilar = false) =>
  request(client, EscalationResolve, { ticketId, decision, approver, channel: 'terminal', allowSimilar });

describe('escalation.open.v1 and escalation.resolve.v1', () => {
  it('stores a pending ticket, announces it, and answers the opener once a human approves', async () => {
    await start();
    const payload = writeFileEscalation({ sessionId: 'sess-first', waitSeconds: 10 });
    const answer = openUntilSettled(client, payload);
    const event = await eventually('the opened event', () => opened[0]);
    expect(event.ticket).toMatchObject({
      callId: payload.callId,
      sessionId: 'sess-first',
      serverName: 'filesystem',
      toolName: 'write_file',
      canonicalArguments: payload.canonicalArguments,
      escalatedRoles: ['write-path'],
      argumentRoles: { path: ['write-path'], content: ['none'] },
      status: 'pending',
    });
    const { tickets } = await request(client, EscalationList, { sessionId: 'sess-first' });
    expect(tickets.map((ticket) => ticket.id)).toEqual([event.ticket.id]);
    expect(Date.parse(event.ticket.expiresAt) - Date.parse(event.ticket.createdAt)).toBe(300_000);

    const reply = await resolve(event.ticket.id, 'approved');
    expect(reply).toMatchObject({ isAccepted: true, status: 'approved', resolvedBy: 'alice' });
    expect(await answer).toMatchObject({
      ticketId: event.ticket.id,
      status: 'approved',
      approver: 'alice',
      channel: 'terminal',
      autoApproved: false,
    });
    await eventually('the resolved event', () => resolved[0]);
    expect(resolved).toEqual([
      expect.objectContaining({ ticketId: event.ticket.id, status: 'approved', approver: 'alice' }),
    ]);
    expect((await request(client, EscalationList, { sessionId: 'sess-first' })).tickets).toEqual([]);
  });

  it('answers "pending" after waitSeconds, so the opener asks again', async () => {
    await start();
    const started = Date.now();
    const reply = await openOnce(client, writeFileEscalation({ waitSeconds: 1 }));
    expect(reply.status).toBe('pending');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(reply.expiresAt).toBeDefined();
  });

  it('is idempotent by call id: one ticket, one announcement, the same answer for every open', async () => {
    await start();
    const payload = writeFileEscalation({ sessionId: 'sess-idempotent' });
    const [first, second] = await Promise.all([openOnce(client, payload), openOnce(client, payload)]);
    expect(first.ticketId).toBe(second.ticketId);
    const third = await openOnce(client, payload);
    expect(third.ticketId).toBe(first.ticketId);
    const { tickets } = await request(client, EscalationList, { sessionId: 'sess-idempotent' });
    expect(tickets.map((ticket) => ticket.id)).toEqual([first.ticketId]);
    await resolve(first.ticketId, 'denied', 'bob');
    expect(await openOnce(client, payload)).toMatchObject({ status: 'denied', approver: 'bob' });
    expect(opened).toHaveLength(1);
  });

  it('keeps two sessions that reuse a call id apart, and refuses a different call under a known call id', async () => {
    await start();
    const payload = writeFileEscalation();
    const mine = await openOnce(client, payload);
    const theirs = await openOnce(client, { ...payload, sessionId: 'sess-2' });
    expect(theirs.ticketId).not.toBe(mine.ticketId);
    await expect(openOnce(client, { ...payload, argsHash: 'b'.repeat(64) })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('treats anything but "approved" as denied', async () => {
    await start();
    for (const decision of ['denied', 'APPROVED', 'yes', '']) {
      const payload = writeFileEscalation();
      const { ticketId } = await openOnce(client, payload);
      expect(await resolve(ticketId, decision)).toMatchObject({ isAccepted: true, status: 'denied' });
      expect(await openOnce(client, payload)).toMatchObject({ status: 'denied' });
    }
  });

  it('refuses an answer to an unknown ticket with NOT_FOUND', async () => {
    await start();
    await expect(resolve('esc_0000000000000000', 'approved')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('first answer wins', () => {
  it('100 concurrent resolvers on two replicas: exactly one wins, the 99 others are told who', async () => {
    await start();
    await start();
    const { ticketId } = await openOnce(client, writeFileEscalation());
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        resolve(ticketId, index % 2 === 0 ? 'approved' : 'denied', `approver-${index}`),
      ),
    );
    const winners = replies.filter((reply) => reply.isAccepted);
    expect(winners).toHaveLength(1);
    const winner = winners[0]?.resolvedBy;
    const losers = replies.filter((reply) => !reply.isAccepted);
    expect(losers).toHaveLength(99);
    expect(losers.every((reply) => reply.resolvedBy === winner && reply.status === winners[0]?.status)).toBe(
      true,
    );
    await eventually('the resolved event', () => resolved.length > 0);
    await new Promise((settle) => setTimeout(settle, 200));
    expect(resolved).toHaveLength(1);
  });
});

describe('expiry', () => {
  it('expires an unanswered ticket as a deny, and refuses answers after it', async () => {
    await start({ ESCALATION_TEST_TIMEOUT_MS: '1000' });
    const payload = writeFileEscalation({ waitSeconds: 10 });
    const started = Date.now();
    const reply = await openOnce(client, payload);
    expect(reply).toMatchObject({ status: 'expired' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const late = await resolve(reply.ticketId, 'approved');
    expect(late).toMatchObject({ isAccepted: false, status: 'expired' });
    expect(await openOnce(client, payload)).toMatchObject({ status: 'expired' });
    await eventually('the resolved event', () => resolved[0]);
    expect(resolved).toEqual([expect.objectContaining({ ticketId: reply.ticketId, status: 'expired' })]);
  });

  it('expires a ticket no opener waits for, on its own timer', async () => {
    await start({ ESCALATION_TEST_TIMEOUT_MS: '700' });
    const { ticketId, status } = await openOnce(client, writeFileEscalation({ waitSeconds: 1 }));
    expect(['pending', 'expired']).toContain(status);
    await eventually('the expiry', () => resolved.find((event) => event.ticketId === ticketId));
    expect(resolved.find((event) => event.ticketId === ticketId)?.status).toBe('expired');
  });

  it('rejects an expiry outside 30–600 s, and a test expiry below 500 ms', async () => {
    const { loadConfig } = await import('../src/config.js');
    expect(() => loadConfig({ ESCALATION_TIMEOUT_SECONDS: '29' })).toThrow(/ESCALATION_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ ESCALATION_TIMEOUT_SECONDS: '601' })).toThrow(/ESCALATION_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ ESCALATION_TEST_TIMEOUT_MS: '100' })).toThrow(/ESCALATION_TEST_TIMEOUT_MS/);
    expect(loadConfig({}).ESCALATION_TIMEOUT_SECONDS).toBe(300);
  });
});
