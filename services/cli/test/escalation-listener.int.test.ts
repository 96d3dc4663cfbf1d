// `ironcurtain escalation-listener` in a pseudo-terminal (util-linux `script`), typed into like a person, against a
// real escalation-router process and nats-server. Needs every service built (`npx tsc -b`). Everything the terminal
// received also goes through xterm.js headless: the only effect the listener may have is the bell.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, requestUntilSettled, serviceInfos, type Bus } from '@ironcurtain/bus';
import { EscalationList, EscalationOpen } from '@ironcurtain/proto-schemas';
import {
  eventually,
  renderInTerminal,
  startNats,
  stopProcess,
  type NatsServerHandle,
} from '@ironcurtain/testing';
import { hostileText, hostileTextShown } from './hostile-text.js';
import {
  cliEnvironment,
  repositoryRoot,
  runCli,
  startCliInTerminal,
  type TerminalCliProcess,
} from './stack-process.js';

let nats: NatsServerHandle;
let home: string;
let client: Bus;
let router: ChildProcess;
const listeners: TerminalCliProcess[] = [];
const me = userInfo().username;

beforeAll(async () => {
  nats = await startNats();
  home = await mkdtemp(join(tmpdir(), 'ironcurtain-listener-'));
  client = await connectBus({ url: nats.url, name: 'listener-test' });
  router = spawn(process.execPath, [join(repositoryRoot, 'services/escalation-router/dist/index.js')], {
    env: { PATH: process.env['PATH'] ?? '', NATS_URL: nats.url, IRONCURTAIN_HOME: home, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  await eventually('the router to serve', async () => {
    const infos = await serviceInfos(client, 'escalation-router').catch(() => []);
    return infos.some((info) => info.endpoints.length === 3);
  });
});
afterEach(() => {
  for (const listener of listeners.splice(0)) listener.child.kill('SIGKILL');
});
afterAll(async () => {
  await stopProcess(router);
  await client.close();
  await nats.dispose();
  await rm(home, { recursive: true, force: true });
});

// `script` runs the command through $SHELL: bash execs it, as a person's shell runs it, where dash would stay in
// between and die of the Ctrl-C itself (exit 130) whatever the listener did.
const environment = (natsUrl = nats.url) =>
  cliEnvironment(home, { NATS_URL: natsUrl, TERM: 'dumb', SHELL: '/bin/bash' });
const lockFile = () => join(home, 'run', 'escalation-listener.lock');

function startListener(natsUrl?: string): TerminalCliProcess {
  const listener = startCliInTerminal(['escalation-listener'], environment(natsUrl));
  listeners.push(listener);
  return listener;
}

let callCounter = 0;
/** Opens a ticket the way the PDP does, keeps waiting for its answer, and resolves with its id once it is pending. */
async function openTicket(
  sessionId: string,
  path: string,
  reason = 'Writing outside the sandbox needs approval',
) {
  callCounter += 1;
  const payload = {
    callId: `listener-call-${callCounter}`,
    sessionId,
    serverName: 'filesystem',
    toolName: 'write_file',
    canonicalArguments: { path, content: 'hello' },
    argsHash: 'd'.repeat(64),
    reason,
    rule: 'escalate-writes',
    escalatedRoles: ['write-path'],
    argumentRoles: { path: ['write-path'], content: ['none'] },
    waitSeconds: 1,
  };
  const answer = requestUntilSettled(client, EscalationOpen, payload, {
    isSettled: (reply) => reply.status !== 'pending',
    attemptTimeoutMs: 3000,
    deadlineMs: 120_000,
  });
  const id = await eventually(`the ticket of ${payload.callId}`, async () => {
    const { tickets } = await request(client, EscalationList, { sessionId });
    return tickets.find((ticket) => ticket.callId === payload.callId)?.id;
  });
  return { id, answer };
}

const isPending = async (ticketId: string) =>
  (await request(client, EscalationList, {})).tickets.some((ticket) => ticket.id === ticketId);
const bellCount = (listener: TerminalCliProcess) =>
  listener.outputBytes().filter((byte) => byte === 0x07).length;
const lockHolderPid = async () => (JSON.parse(await readFile(lockFile(), 'utf8')) as { pid: number }).pid;

/** A TCP relay to nats-server that can be cut and restored: a network failure between the listener and NATS. */
async function startNatsRelay() {
  const target = new URL(nats.url);
  const sockets = new Set<Socket>();
  let isCut = false;
  const server = createServer((client) => {
    if (isCut) return void client.destroy();
    const upstream = connect(Number(target.port), target.hostname);
    const drop = () => [client, upstream].forEach((socket) => socket.destroy());
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', drop).on('close', drop);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `nats://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => {
      isCut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore: () => void (isCut = false),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Runs `steps`; on failure, the listener's output so far is added to the error. */
async function withOutputOnFailure(listener: TerminalCliProcess, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- listener output ---\n${listener.output()}`, {
      cause: error,
    });
  }
}

describe('ironcurtain escalation-listener', () => {
  it('numbers every session’s tickets, rings for new ones, and never lets a number name another ticket', async () => {
    const first = await openTicket('sess-a', '/home/me/a.md');
    const second = await openTicket('sess-b', '/home/me/b.md');
    const listener = startListener();
    await withOutputOnFailure(listener, async () => {
      await listener.waitForOutput(/2 pending escalations:/);
      expect(listener.output()).toMatch(
        /#1 {2}session sess-a {2}filesystem\.write_file {2}waiting \d+s \(expires in 4m\d\ds\) {2}\[[0-9a-f]{6}\]\r?\n {4}reason: Writing outside the sandbox needs approval \(rule escalate-writes\)\r?\n {4}path \[write-path, escalated\]: "\/home\/me\/a\.md"/,
      );
      expect(listener.output()).toMatch(/#2 {2}session sess-b {2}filesystem\.write_file/);
      expect(bellCount(listener)).toBe(0);

      const hostile = await openTicket('sess-a', `/home/me/c.md${hostileText}`, hostileText);
      await listener.waitForOutput(/new escalation:\r?\n#3 {2}session sess-a/);
      expect(bellCount(listener)).toBe(1);

      // Ticket 1 is settled in another terminal, and a new ticket arrives, before the person types "/approve 1".
      expect((await runCli(['deny', first.id], environment())).code).toBe(0);
      await listener.waitForOutput(
        new RegExp(
          `#1 \\(session sess-a, filesystem\\.write_file\\) is no longer pending: denied by ${me} \\(terminal\\)`,
        ),
      );
      const fourth = await openTicket('sess-b', '/home/me/d.md');
      await listener.waitForOutput(/new escalation:\r?\n#4 {2}session sess-b/);
      listener.type('/approve 1');
      await listener.waitForOutput(
        /#1 is no longer pending \(denied by [^)]+\(terminal\)\); nothing was answered/,
      );
      expect(await first.answer).toMatchObject({ status: 'denied' });
      expect(await isPending(fourth.id)).toBe(true);

      listener.type('/approve 2');
      expect(await second.answer).toMatchObject({ status: 'approved', approver: me, channel: 'terminal' });
      await listener.waitForOutput(new RegExp(`#2 approved ${second.id}: filesystem\\.write_file`));

      listener.type('/sessions');
      await listener.waitForOutput(
        /sessions:\r?\n {2}sess-a {2}status unknown {2}1 pending \(#3\)\r?\n {2}sess-b {2}status unknown {2}1 pending \(#4\)\r?\n {2}\(session states unknown: session\.list\.v1: no service is answering/,
      );
      listener.type('/approve 7x');
      await listener.waitForOutput(/\/approve takes the numbers shown .*; nothing was answered/);
      listener.type('/deny all');
      expect(await hostile.answer).toMatchObject({ status: 'denied', approver: me });
      expect(await fourth.answer).toMatchObject({ status: 'denied', approver: me });
      listener.type('/approve all');
      await listener.waitForOutput(/no escalation is pending; nothing was answered/);
      listener.type('/quit');
      expect((await listener.exited).code).toBe(0);
    });

    const screen = await renderInTerminal(listener.outputBytes());
    expect(screen.effects.filter((effect) => effect !== 'bell')).toEqual([]);
    expect(screen.effects).toEqual(['bell', 'bell']);
    expect(screen.lines).toContain(`    reason: ${hostileTextShown} (rule escalate-writes)`);
    expect(screen.lines.join('\n')).toContain(
      'path [write-path, escalated]: "/home/me/c.mdtitle\\u001b]0;pwned',
    );
    await expect(readFile(lockFile())).rejects.toMatchObject({ code: 'ENOENT' });
  }, 120_000);

  it('approves with /approve all only the tickets shown for 2 seconds', async () => {
    const listener = startListener();
    await withOutputOnFailure(listener, async () => {
      await listener.waitForOutput(/no pending escalations; new ones will show here/);
      const ticket = await openTicket('sess-c', '/home/me/e.md');
      const shown = await listener.waitForOutput(/new escalation:\r?\n#(\d+) {2}session sess-c/);
      listener.type('/approve all');
      await listener.waitForOutput(new RegExp(`not approved: #${shown[1]} arrived less than 2 s ago`));
      expect(await isPending(ticket.id)).toBe(true);
      await sleep(2100);
      listener.type('/approve all');
      expect(await ticket.answer).toMatchObject({ status: 'approved', approver: me });
      listener.child.stdin?.write('\x04');
      expect((await listener.exited).code).toBe(0);
    });
  }, 60_000);

  it('runs once per IRONCURTAIN_HOME: refuses a second by PID, takes over after SIGKILL, releases on signals', async () => {
    const first = startListener();
    await first.waitForOutput(/no pending escalations/);
    const firstPid = await lockHolderPid();
    expect(await readFile(`/proc/${firstPid}/cmdline`, 'utf8')).toContain('escalation-listener');

    const refused = await runCli(['escalation-listener'], environment());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `an escalation-listener for ${home} is already running (PID ${firstPid}, since`,
    );

    process.kill(firstPid, 'SIGKILL');
    await first.exited;
    const second = startListener();
    await second.waitForOutput(/no pending escalations/);
    const secondPid = await lockHolderPid();
    expect(secondPid).not.toBe(firstPid);
    process.kill(secondPid, 'SIGTERM');
    expect((await second.exited).code).toBe(0);
    await expect(readFile(lockFile())).rejects.toMatchObject({ code: 'ENOENT' });

    // Ctrl-C typed into the terminal: the line discipline sends SIGINT.
    const third = startListener();
    await third.waitForOutput(/no pending escalations/);
    third.child.stdin?.write('\x03');
    expect((await third.exited).code).toBe(0);
    await expect(readFile(lockFile())).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);

  it('asks again after a lost connection: tickets settled meanwhile leave with a note, missed ones ring', async () => {
    const relay = await startNatsRelay();
    await openTicket('sess-r', '/home/me/r1.md');
    const settledMeanwhile = await openTicket('sess-r', '/home/me/r2.md');
    const listener = startListener(relay.url);
    await withOutputOnFailure(listener, async () => {
      await listener.waitForOutput(/2 pending escalations:/);
      relay.cut();
      await listener.waitForOutput(/lost the connection to NATS; reconnecting/);
      expect((await runCli(['deny', settledMeanwhile.id], environment())).code).toBe(0);
      const missed = await openTicket('sess-r', '/home/me/r3.md');
      relay.restore();
      await listener.waitForOutput(/reconnected to NATS/);
      await listener.waitForOutput(
        /#2 \(session sess-r, filesystem\.write_file\) is no longer pending: settled, but /,
      );
      await listener.waitForOutput(/new escalation:\r?\n#3 {2}session sess-r {2}filesystem\.write_file/);
      expect(bellCount(listener)).toBe(1);
      listener.type('/deny all');
      expect(await missed.answer).toMatchObject({ status: 'denied', approver: me });
      listener.type('/quit');
      expect((await listener.exited).code).toBe(0);
    });
    await relay.close();
  }, 60_000);
});
