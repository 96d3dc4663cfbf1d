// `ironcurtain escalations`, `approve` and `deny` as real processes against a real escalation-router process and
// nats-server. Needs every service built (`npx tsc -b`).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, requestUntilSettled, serviceInfos, type Bus } from '@ironcurtain/bus';
import { EscalationList, EscalationOpen, type RequestOf } from '@ironcurtain/proto-schemas';
import { eventually, startNats, stopProcess, type NatsServerHandle } from '@ironcurtain/testing';
import { cliEnvironment, repositoryRoot, runCli } from './stack-process.js';

let nats: NatsServerHandle;
let home: string;
let client: Bus;
let router: ChildProcess;

beforeAll(async () => {
  nats = await startNats();
  home = await mkdtemp(join(tmpdir(), 'ironcurtain-escalations-'));
  client = await connectBus({ url: nats.url, name: 'escalations-test' });
  router = spawn(process.execPath, [join(repositoryRoot, 'services/escalation-router/dist/index.js')], {
    env: { PATH: process.env['PATH'] ?? '', NATS_URL: nats.url, IRONCURTAIN_HOME: home, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  await eventually('the router to serve', async () => {
    const infos = await serviceInfos(client, 'escalation-router').catch(() => []);
    return infos.some((info) => info.endpoints.length === 3);
  });
});
afterAll(async () => {
  await stopProcess(router);
  await client.close();
  await nats.dispose();
  await rm(home, { recursive: true, force: true });
});

const cli = (args: readonly string[]) => runCli(args, cliEnvironment(home, { NATS_URL: nats.url }));
// The CLI records the login name of whoever answers.
const me = userInfo().username;

let callCounter = 0;
/** Opens a ticket the way the PDP does and keeps waiting for its answer in the background. */
function escalate(sessionId: string, path: string) {
  callCounter += 1;
  const payload: RequestOf<typeof EscalationOpen> = {
    callId: `cli-call-${callCounter}`,
    sessionId,
    serverName: 'filesystem',
    toolName: 'write_file',
    canonicalArguments: { path, content: 'hello\u001b[31m' },
    argsHash: 'c'.repeat(64),
    reason: 'Writing outside the sandbox needs approval',
    rule: 'escalate-writes',
    escalatedRoles: ['write-path'],
    argumentRoles: { path: ['write-path'], content: ['none'] },
    waitSeconds: 1,
  };
  const answer = requestUntilSettled(client, EscalationOpen, payload, {
    isSettled: (reply) => reply.status !== 'pending',
    attemptTimeoutMs: 3000,
    deadlineMs: 60_000,
  });
  return { payload, answer };
}

async function pendingTicketOf(sessionId: string) {
  return eventually('the pending ticket', async () => {
    const { tickets } = await request(client, EscalationList, { sessionId });
    return tickets[0];
  });
}

describe('ironcurtain escalations', () => {
  it('lists pending tickets with tool, arguments, reason, session and age, terminal escapes neutralized', async () => {
    const { answer } = escalate('sess-list', '/home/me/Documents/a.md');
    const ticket = await pendingTicketOf('sess-list');
    const run = await cli(['escalations', '--session', 'sess-list']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${ticket.id}  filesystem/write_file  session sess-list  waiting `);
    expect(run.stdout).toContain(
      'reason:    Writing outside the sandbox needs approval (rule escalate-writes)',
    );
    expect(run.stdout).toContain(
      'arguments: {"path":"/home/me/Documents/a.md","content":"hello\\u001b[31m"}',
    );
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout).toMatch(/1 pending ticket\. Answer with `ironcurtain approve ID/);
    const json = await cli(['escalations', '--json', '--session', 'sess-list']);
    expect(JSON.parse(json.stdout)).toMatchObject({ tickets: [{ id: ticket.id, sessionId: 'sess-list' }] });
    await cli(['deny', ticket.id]);
    await answer;
    expect((await cli(['escalations', '--session', 'sess-list'])).stdout).toBe('no pending escalations\n');
  });
});

describe('ironcurtain approve and deny', () => {
  it('approve settles the ticket from another terminal; a second answer is told who won (exit 1)', async () => {
    const { answer } = escalate('sess-approve', '/home/me/Documents/b.md');
    const ticket = await pendingTicketOf('sess-approve');
    const approved = await cli(['approve', ticket.id]);
    expect(approved).toMatchObject({ code: 0, stdout: `approved ${ticket.id}\n` });
    expect(await answer).toMatchObject({ status: 'approved', approver: me, channel: 'terminal' });
    const late = await cli(['deny', ticket.id]);
    expect(late.code).toBe(1);
    expect(late.stdout).toBe(`${ticket.id} was already approved by ${me}; your answer was not used\n`);
  });

  it('deny denies', async () => {
    const { answer } = escalate('sess-deny', '/home/me/Documents/c.md');
    const ticket = await pendingTicketOf('sess-deny');
    expect(await cli(['deny', ticket.id])).toMatchObject({ code: 0, stdout: `denied ${ticket.id}\n` });
    expect(await answer).toMatchObject({ status: 'denied', approver: me });
  });

  it('approve --similar allows later calls in the same directory of that session', async () => {
    const first = escalate('sess-similar', '/home/me/Documents/d.md');
    const ticket = await pendingTicketOf('sess-similar');
    const approved = await cli(['approve', ticket.id, '--similar']);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(
      'similar calls in this session are now allowed: filesystem: write-path under /home/me/Documents',
    );
    expect(await first.answer).toMatchObject({ status: 'approved' });
    const second = escalate('sess-similar', '/home/me/Documents/e.md');
    expect(await second.answer).toMatchObject({ status: 'approved', approver: 'whitelist' });
  });

  it('an unknown ticket, or an unconstrained --similar, fails with a message and exit code 1', async () => {
    const unknown = await cli(['approve', 'esc_ffffffffffffffff']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^ironcurtain: no ticket esc_ffffffffffffffff/);
    const { answer } = escalate('sess-root', '/toplevel.md');
    const ticket = await pendingTicketOf('sess-root');
    const refused = await cli(['approve', ticket.id, '--similar']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot allow similar calls .* approve it without --similar/);
    expect(await cli(['approve', ticket.id])).toMatchObject({ code: 0 });
    await answer;
  });

  it('without NATS_URL or a running stack, says how to get one', async () => {
    const run = await runCli(['escalations'], cliEnvironment(home));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ironcurtain up/);
  });
});
