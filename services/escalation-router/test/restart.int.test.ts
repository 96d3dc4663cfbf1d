// The router as a real process (node dist/index.js), SIGKILLed while a ticket is pending: the opener keeps asking
// (long-poll, same call id) and the next router answers from KV. Needs `npx tsc -b services/escalation-router`.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, type Bus } from '@ironcurtain/bus';
import { EscalationList, EscalationResolve } from '@ironcurtain/proto-schemas';
import { eventually, startNats, stopProcess, type NatsServerHandle } from '@ironcurtain/testing';
import { openOnce, openUntilSettled, startRouterProcess, writeFileEscalation } from './router-fixture.js';

let nats: NatsServerHandle;
let home: string;
let client: Bus;
const children: ChildProcess[] = [];

beforeAll(async () => {
  nats = await startNats();
  home = await mkdtemp(join(tmpdir(), 'escalation-restart-'));
  client = await connectBus({ url: nats.url, name: 'test-client' });
});
afterEach(async () => {
  for (const child of children.splice(0)) await stopProcess(child);
});
afterAll(async () => {
  await client.close();
  await nats.dispose();
  await rm(home, { recursive: true, force: true });
});

async function routerProcess(env: Record<string, string> = {}): Promise<ChildProcess> {
  const { child } = await startRouterProcess(client, { NATS_URL: nats.url, IRONCURTAIN_HOME: home, ...env });
  children.push(child);
  return child;
}

async function sigkill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const pendingOf = async (sessionId: string) =>
  (await request(client, EscalationList, { sessionId }, { timeoutMs: 3000 })).tickets;

describe('a router restart while a ticket is pending', () => {
  it('the ticket is still answered: the opener asks the next router again and gets the human answer', async () => {
    const first = await routerProcess();
    const payload = writeFileEscalation({ sessionId: 'sess-restart', waitSeconds: 1 });
    const answer = openUntilSettled(client, payload, 60_000);
    const ticket = await eventually('the pending ticket', async () => (await pendingOf('sess-restart'))[0]);
    await sigkill(first);
    await sleep(1500); // nobody serves escalation.open.v1 now: the opener retries on no responders
    await routerProcess();
    expect((await pendingOf('sess-restart')).map((pending) => pending.id)).toEqual([ticket.id]);
    const reply = await request(client, EscalationResolve, {
      ticketId: ticket.id,
      decision: 'approved',
      approver: 'alice',
      channel: 'terminal',
    });
    expect(reply).toMatchObject({ isAccepted: true, status: 'approved' });
    expect(await answer).toMatchObject({ ticketId: ticket.id, status: 'approved', approver: 'alice' });
  });

  it('a ticket whose time ran out while no router ran is expired by the next one: a deny', async () => {
    const env = { ESCALATION_TEST_TIMEOUT_MS: '1500' };
    const first = await routerProcess(env);
    const payload = writeFileEscalation({ sessionId: 'sess-expire', waitSeconds: 1 });
    const answer = openUntilSettled(client, payload, 60_000);
    const ticket = await eventually('the pending ticket', async () => (await pendingOf('sess-expire'))[0]);
    await sigkill(first);
    await sleep(2500);
    await routerProcess(env);
    expect(await answer).toMatchObject({ ticketId: ticket.id, status: 'expired' });
    expect(await pendingOf('sess-expire')).toEqual([]);
  });

  it('SIGTERM answers the held openers "pending" (they ask the next router) and exits without waiting them out', async () => {
    const router = await routerProcess();
    const held = openOnce(client, writeFileEscalation({ sessionId: 'sess-sigterm', waitSeconds: 30 }));
    await eventually('the pending ticket', async () => (await pendingOf('sess-sigterm'))[0]);
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => router.once('exit', (code) => resolve(code)));
    router.kill('SIGTERM');
    expect(await held).toMatchObject({ status: 'pending' });
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
