// Who may answer whose escalation in a team (issue 19, item 3), through a real nats-server and the real router: the
// caller comes from the subject (`escalation.resolve.v1.p.<role>.<name>`), never from the answer. A member cannot
// answer another member's ticket nor see it listed; an approver can, and is recorded as the approver whatever the
// answer claims; the session's owner can under `either` but not under `approvers`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, serve, type Bus } from '@ironcurtain/bus';
import {
  AuditAppendRefusal,
  EscalationList,
  EscalationResolve,
  type Caller,
  type RequestOf,
} from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { mayAnswer } from '../src/domain/approval-rights.js';
import { openUntilSettled, startRouter, writeFileEscalation } from './router-fixture.js';

let nats: NatsServerHandle;
let home: string;
let pdp: Bus;
// What the router sends the audit trail: served here by a responder on the audit-writer's subject.
let auditWriter: Bus;
const refusals: Array<RequestOf<typeof AuditAppendRefusal>['record']> = [];
const people = new Map<string, Bus>();
const asPerson = async (caller: Caller): Promise<Bus> => {
  const bus = await connectBus({ url: nats.url, name: `ironcurtain-${caller.name}`, caller });
  people.set(caller.name, bus);
  return bus;
};

beforeAll(async () => {
  nats = await startNats();
  home = await mkdtemp(join(tmpdir(), 'escalation-approvers-'));
  pdp = await connectBus({ url: nats.url, name: 'policy-decision-point' });
  auditWriter = await connectBus({ url: nats.url, name: 'audit-writer' });
  await serve(auditWriter, AuditAppendRefusal, ({ record }) => {
    refusals.push(record);
    return { sessionId: record.sessionId, seq: refusals.length, hash: 'f'.repeat(64) };
  });
});
afterAll(async () => {
  for (const bus of people.values()) await bus.close();
  await pdp.close();
  await auditWriter.close();
  await nats.dispose();
  await rm(home, { recursive: true, force: true });
});

const answer = (bus: Bus, ticketId: string, decision: 'approved' | 'denied') =>
  request(bus, EscalationResolve, { ticketId, decision, approver: 'somebody-else', channel: 'terminal' });

describe('approvers', () => {
  it('under "either": a member cannot answer or see another member’s ticket; an approver and the owner can', async () => {
    const router = await startRouter(nats.url, home);
    try {
      const [alice, bob, carol] = await Promise.all([
        asPerson({ name: 'alice', role: 'member' }),
        asPerson({ name: 'bob', role: 'member' }),
        asPerson({ name: 'carol', role: 'approver' }),
      ]);
      const forBob = openUntilSettled(
        pdp,
        writeFileEscalation({ sessionId: 'sess-bob', userId: 'bob' }),
        60_000,
      );
      const ticket = await eventually('bob’s ticket', async () => {
        const listed = await request(carol, EscalationList, {});
        return listed.tickets.find((candidate) => candidate.sessionId === 'sess-bob');
      });
      expect((await request(alice, EscalationList, {})).tickets).toEqual([]);
      expect((await request(bob, EscalationList, {})).tickets.map((listed) => listed.id)).toEqual([
        ticket.id,
      ]);

      await expect(answer(alice, ticket.id, 'approved')).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringContaining('alice may not answer'),
      });
      // The attempt is in the trail, in bob's session, naming alice.
      expect(refusals.at(-1)).toMatchObject({
        kind: 'access',
        sessionId: 'sess-bob',
        userId: 'bob',
        caller: { name: 'alice', role: 'member' },
        endpoint: 'escalation.resolve.v1',
        outcome: 'forbidden',
        policyDecision: { status: 'deny', rule: 'not-an-approver' },
      });
      const reply = await answer(carol, ticket.id, 'approved');
      expect(reply).toMatchObject({ isAccepted: true, status: 'approved', resolvedBy: 'carol' });
      expect(await forBob).toMatchObject({ status: 'approved', approver: 'carol' });

      // The owner answers a ticket of their own session.
      const ownAnswer = openUntilSettled(
        pdp,
        writeFileEscalation({ sessionId: 'sess-bob', userId: 'bob' }),
        60_000,
      );
      const second = await eventually('the second ticket', async () =>
        (await request(bob, EscalationList, {})).tickets.find((candidate) => candidate.id !== ticket.id),
      );
      expect(await answer(bob, second.id, 'denied')).toMatchObject({ isAccepted: true, resolvedBy: 'bob' });
      expect(await ownAnswer).toMatchObject({ status: 'denied', approver: 'bob' });
    } finally {
      await router.stop();
    }
  }, 60_000);

  it('under "approvers": not even the owner answers; an approver does', async () => {
    const router = await startRouter(nats.url, home, { ESCALATION_APPROVALS: 'approvers' });
    try {
      const bob = people.get('bob') as Bus;
      const carol = people.get('carol') as Bus;
      const settled = openUntilSettled(
        pdp,
        writeFileEscalation({ sessionId: 'sess-bob-2', userId: 'bob' }),
        60_000,
      );
      const ticket = await eventually('the ticket', async () =>
        (await request(carol, EscalationList, { sessionId: 'sess-bob-2' })).tickets.at(0),
      );
      expect((await request(bob, EscalationList, { sessionId: 'sess-bob-2' })).tickets).toEqual([]);
      await expect(answer(bob, ticket.id, 'approved')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await answer(carol, ticket.id, 'denied')).toMatchObject({
        isAccepted: true,
        resolvedBy: 'carol',
      });
      expect(await settled).toMatchObject({ status: 'denied', approver: 'carol' });
    } finally {
      await router.stop();
    }
  }, 60_000);

  it('the rules, one by one', () => {
    const member = { name: 'alice', role: 'member' } as const;
    const approver = { name: 'carol', role: 'approver' } as const;
    const workstation = { name: 'cli', role: 'admin' } as const;
    expect(mayAnswer(member, 'alice', 'owner')).toBe(true);
    expect(mayAnswer(member, 'bob', 'owner')).toBe(false);
    expect(mayAnswer(approver, 'bob', 'owner')).toBe(false);
    expect(mayAnswer(workstation, 'signal-bridge', 'owner')).toBe(true);
    expect(mayAnswer(member, 'alice', 'approvers')).toBe(false);
    expect(mayAnswer(approver, 'bob', 'approvers')).toBe(true);
    expect(mayAnswer(member, undefined, 'either')).toBe(false);
    expect(mayAnswer(approver, undefined, 'either')).toBe(true);
  });
});
