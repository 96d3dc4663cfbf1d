// `ironcurtain audit query`, `audit tail [-f]` and `audit verify --remote` as real processes, against a real
// nats-server and the real audit-writer (its built dist/), which writes real trails. Records carrying OSC 52/8/0, C1
// and bidi text are shown through a real terminal emulator (xterm.js headless): nothing may act.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, type Bus } from '@ironcurtain/bus';
import { AuditAppend, type RequestOf } from '@ironcurtain/proto-schemas';
import { eventually, startNats, stopProcess, type NatsServerHandle } from '@ironcurtain/testing';
import { jsonLines, runCliWithInput } from './policy-fixture.js';
import { hostileText } from './hostile-text.js';
import { cliEnvironment, repositoryRoot, startCli } from './stack-process.js';
import { renderInTerminal, type RenderedScreen } from '@ironcurtain/testing';

type RecordInput = RequestOf<typeof AuditAppend>['record'];

let root: string;
let home: string;
let nats: NatsServerHandle;
let writer: ChildProcess;
let client: Bus;

const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 12, minute)).toISOString();

function decision(sessionId: string, index: number, status: 'allow' | 'deny', minute: number): RecordInput {
  return {
    kind: 'decision',
    timestamp: at(minute),
    requestId: `call-${index}`,
    sessionId,
    userId: index % 2 === 0 ? 'alice' : 'bob',
    serverName: 'filesystem',
    toolName: status === 'allow' ? 'read_file' : 'write_file',
    arguments: { path: `/tmp/${index}` },
    policyDecision: { status, rule: status === 'allow' ? 'allow-read' : 'default-deny', reason: 'because' },
    policyHash: 'a'.repeat(64),
  };
}

const append = (record: RecordInput) => request(client, AuditAppend, { record });
const env = () => cliEnvironment(home, { HOME: root, NATS_URL: nats.url });
const audit = (args: readonly string[]) => runCliWithInput(['audit', ...args], { env: env(), cwd: root });

beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-audit-query-')));
  home = join(root, 'home');
  nats = await startNats({ jetstream: false });
  writer = spawn(process.execPath, [join(repositoryRoot, 'services/audit-writer/dist/index.js')], {
    env: { NATS_URL: nats.url, IRONCURTAIN_HOME: home, LOG_LEVEL: 'warn', PATH: process.env['PATH'] ?? '' },
    stdio: 'ignore',
  });
  client = await connectBus({ url: nats.url, name: 'audit-cli-test' });
  await eventually('the audit-writer', () => append(decision('s1', 0, 'allow', 0)).catch(() => undefined));
  for (let index = 1; index < 10; index += 1) {
    await append(decision(index % 2 === 0 ? 's1' : 's2', index, index % 3 === 0 ? 'deny' : 'allow', index));
  }
});
afterAll(async () => {
  await client?.close();
  if (writer !== undefined) await stopProcess(writer);
  await nats?.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('ironcurtain audit query', () => {
  it('filters by decision and session and prints JSON lines, oldest first', async () => {
    const run = await audit(['query', '--decision', 'deny', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout).map((record) => record['requestId'])).toEqual([
      'call-3',
      'call-6',
      'call-9',
    ]);
    const s1 = await audit(['query', '--session', 's1', '--user', 'alice', '--json']);
    expect(jsonLines(s1.stdout).map((record) => record['requestId'])).toEqual([
      'call-0',
      'call-2',
      'call-4',
      'call-6',
      'call-8',
    ]);
  });

  it('filters by server, tool, rule and time range, and prints a table', async () => {
    const run = await audit([
      'query',
      '--server',
      'filesystem',
      '--tool',
      'read_file',
      '--rule',
      'allow-read',
      '--since',
      at(2),
      '--until',
      at(5),
    ]);
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^TIME +SESSION +SEQ +KIND +TOOL +DECISION +RULE +RESULT$/);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(
      /^2026-11-24T12:02:00\.000Z +s1 +1 +decision +filesystem\.read_file +allow +allow-read/,
    );
    expect(rows[1]).toContain('12:04:00.000Z');
  });

  it('stops at --limit and can list newest first', async () => {
    const run = await audit(['query', '--limit', '2', '--newest-first', '--json']);
    expect(jsonLines(run.stdout).map((record) => record['requestId'])).toEqual(['call-9', 'call-8']);
  });

  it('names a bad option value', async () => {
    const run = await audit(['query', '--decision', 'perhaps']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--decision');
    const time = await audit(['query', '--since', 'last tuesday']);
    expect(time.stderr).toContain('--since "last tuesday" is not a time');
  });
});

describe('ironcurtain audit tail', () => {
  it('prints the latest records across sessions', async () => {
    const run = await audit(['tail', '-n', '3', '--json']);
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout).map((record) => record['requestId'])).toEqual([
      'call-7',
      'call-8',
      'call-9',
    ]);
  });

  it('follows new records live with -f, filtered, until interrupted', async () => {
    const cli = startCli(['audit', 'tail', '-f', '-n', '1', '--decision', 'deny'], env());
    try {
      await cli.waitForOutput(/call-9|12:09:00/);
      await cli.waitForOutput(/RULE/);
      await append(decision('s3', 20, 'allow', 30));
      await append(decision('s3', 21, 'deny', 31));
      await cli.waitForOutput(/s3 +1 +decision +filesystem\.write_file +deny +default-deny/);
      expect(cli.output()).not.toMatch(/s3 +0 +decision/);
      cli.child.kill('SIGINT');
      expect((await cli.exited).code).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});

describe('ironcurtain audit verify --remote', () => {
  it('asks the running audit-writer', async () => {
    const run = await audit(['verify', 's2', '--remote', '--json']);
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ trail: 's2', isValid: true, records: 5 });
  });
});

describe('audit query and tail with hostile records', () => {
  const hostileOutcome = (index: number): RecordInput => ({
    kind: 'outcome',
    timestamp: at(40 + index),
    requestId: `hostile-${index}`,
    sessionId: 'sess-hostile',
    serverName: 'fetch',
    toolName: `http_fetch${hostileText}`,
    policyDecision: { status: 'allow', rule: 'allow-fetch', reason: hostileText },
    policyHash: 'a'.repeat(64),
    result: { status: 'error', error: `the page said: ${hostileText}` },
    durationMs: 5,
  });
  const expectInert = (screen: RenderedScreen) => {
    expect(screen.effects).toEqual([]);
    expect(screen.hasDefaultModes).toBe(true);
    expect(screen.scrollsNormally).toBe(true);
  };
  const shownPart = 'title\\x1b]0;pwned-title\\x07 clipboard\\x1b]52;c;';

  it('query shows them inert, as a table and as JSON lines that still parse', async () => {
    await append(hostileOutcome(0));
    const table = await audit(['query', '--session', 'sess-hostile']);
    const json = await audit(['query', '--session', 'sess-hostile', '--json']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`error in 5 ms: the page said: ${shownPart}`);
    expect(table.stdout).toContain('\\x9b2J\\x9d0;c1-title\\x9c bidi invoice_\\u202etxt.exe');
    expect(jsonLines(json.stdout)[0]).toMatchObject({
      requestId: 'hostile-0',
      toolName: `http_fetch${hostileText}`,
    });
    for (const output of [table.stdout, json.stdout]) {
      const screen = await renderInTerminal(output, { cols: 2000 });
      expect(screen.lines).toEqual(output.trimEnd().split('\n'));
      expectInert(screen);
    }
  });

  it('tail and tail -f show them inert', async () => {
    const latest = await audit(['tail', '-n', '1', '--session', 'sess-hostile']);
    expect(latest.stdout).toContain(`error in 5 ms: the page said: ${shownPart}`);
    expectInert(await renderInTerminal(latest.stdout, { cols: 2000 }));
    const follow = startCli(['audit', 'tail', '-f', '-n', '1', '--session', 'sess-hostile'], env());
    try {
      await follow.waitForOutput(/hostile|RULE/);
      await follow.waitForOutput(/sess-hostile +\d+ +outcome/);
      await append(hostileOutcome(1));
      await follow.waitForOutput(/sess-hostile +\d+ +outcome[^\n]*\n[^\n]*sess-hostile +\d+ +outcome/);
      follow.child.kill('SIGINT');
      expect((await follow.exited).code).toBe(0);
    } finally {
      follow.child.kill('SIGKILL');
    }
    expect(follow.output().match(/the page said: title\\x1b\]0;pwned-title\\x07/g)).toHaveLength(2);
    expectInert(await renderInTerminal(follow.outputBytes(), { cols: 2000 }));
  });
});
