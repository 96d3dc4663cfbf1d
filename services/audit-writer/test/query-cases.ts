// A varied set of records and the queries run over it, shared by the file and the PostgreSQL query tests. The
// expected answer of each query is worked out here by hand-written filtering, independent of the code under test.
import { request, type Bus } from '@ironcurtain/bus';
import { AuditQuery, type ParsedResponseOf, type RequestOf } from '@ironcurtain/proto-schemas';
import { append, decisionInput, outcomeInput, type RecordInput } from './writer-fixture.js';

export type QueryRequest = RequestOf<typeof AuditQuery>;
export type QueryResponse = ParsedResponseOf<typeof AuditQuery>;

const base = Date.UTC(2026, 10, 24, 12, 0, 0);
const at = (minute: number) => new Date(base + minute * 60_000).toISOString();

/** 40 calls over 3 sessions, 2 users, 2 servers, 3 decisions; decisions allowed get an outcome record. */
export function datasetRecords(): RecordInput[] {
  const records: RecordInput[] = [];
  for (let index = 0; index < 40; index += 1) {
    const sessionId = ['q1', 'q2', 'q3'][index % 3] as string;
    const userId = index % 2 === 0 ? 'alice' : 'bob';
    const isGit = index % 5 === 0;
    const status = (['allow', 'deny', 'escalate', 'allow'] as const)[index % 4];
    const rule =
      status === 'allow' ? 'allow-read' : status === 'deny' ? 'default-deny' : 'push-needs-approval';
    const shared = {
      userId,
      serverName: isGit ? 'git' : 'filesystem',
      toolName: isGit ? 'git_push' : index % 2 === 0 ? 'read_file' : 'write_file',
      policyDecision: { status, rule, reason: `reason ${index}` },
      // Several records share a minute, so order ties are broken by session and seq.
      timestamp: at(Math.floor(index / 2)),
    };
    // Decision records as the PDP writes them now (the hash of the real arguments, their roles), some with a
    // secret-looking path the writer flags and keeps; the first few as older PDPs wrote them, without either.
    const path =
      index % 7 === 0 ? `/tmp/sk-ant-api03-Xy7Zw6Vu5Ts4Rq3Po2Nm1Lk0-${index}.txt` : `/tmp/${index}.txt`;
    const current =
      index < 4
        ? {}
        : { argsHash: index.toString(16).padStart(64, '0'), argumentRoles: { path: ['read-path'] } };
    records.push(
      decisionInput(sessionId, index, { ...shared, ...current, arguments: { path } } as Partial<RecordInput>),
    );
    if (status === 'allow') records.push(outcomeInput(sessionId, index, shared as Partial<RecordInput>));
  }
  return records;
}

/** Appends the dataset in order; returns it as stored (with seqs). */
export async function appendDataset(client: Bus): Promise<Array<RecordInput & { seq: number }>> {
  const stored: Array<RecordInput & { seq: number }> = [];
  for (const record of datasetRecords()) stored.push({ ...record, seq: (await append(client, record)).seq });
  return stored;
}

/** The queries every source must answer alike. */
export const queryCases: ReadonlyArray<readonly [string, QueryRequest]> = [
  ['everything', {}],
  ['one session', { sessionId: 'q2' }],
  ['one user', { userId: 'bob' }],
  ['denials', { decision: 'deny' }],
  ['one server', { serverName: 'git' }],
  ['one tool', { toolName: 'write_file' }],
  ['one rule', { rule: 'push-needs-approval' }],
  ['outcomes only', { kind: 'outcome' }],
  ['a time range', { since: at(5), until: at(12) }],
  [
    'a time range in another offset',
    { since: '2026-11-24T14:05:00+02:00', until: '2026-11-24T14:12:00+02:00' },
  ],
  ['combined', { sessionId: 'q1', decision: 'allow', userId: 'alice', kind: 'decision' }],
  ['newest first', { order: 'desc', limit: 7 }],
  ['nothing matches', { toolName: 'no_such_tool' }],
];

/** What a query must return, in order: worked out by plain filtering and sorting. */
export function expectedFor(
  stored: ReadonlyArray<RecordInput & { seq: number }>,
  query: QueryRequest,
): string[] {
  const since = query.since === undefined ? -Infinity : Date.parse(query.since);
  const until = query.until === undefined ? Infinity : Date.parse(query.until);
  const matching = stored.filter(
    (record) =>
      (query.sessionId === undefined || record.sessionId === query.sessionId) &&
      (query.userId === undefined || record.userId === query.userId) &&
      (query.decision === undefined || record.policyDecision.status === query.decision) &&
      (query.serverName === undefined || record.serverName === query.serverName) &&
      (query.toolName === undefined || record.toolName === query.toolName) &&
      (query.rule === undefined || record.policyDecision.rule === query.rule) &&
      (query.kind === undefined || record.kind === query.kind) &&
      Date.parse(record.timestamp) >= since &&
      Date.parse(record.timestamp) < until,
  );
  const sorted = matching.sort(
    (a, b) =>
      Date.parse(a.timestamp) - Date.parse(b.timestamp) ||
      (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0) ||
      a.seq - b.seq,
  );
  if (query.order === 'desc') sorted.reverse();
  return sorted.map(idOf);
}

/** A record's identity in these tests. */
export function idOf(record: { sessionId: string; seq: number }): string {
  return `${record.sessionId}#${record.seq}`;
}

/** Every page of a query, following nextCursor with pages of `pageSize`. */
export async function queryAllPages(
  client: Bus,
  query: QueryRequest,
  pageSize: number,
): Promise<{ ids: string[]; sources: Set<string>; pages: number }> {
  const ids: string[] = [];
  const sources = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const reply: QueryResponse = await request(client, AuditQuery, {
      ...query,
      limit: pageSize,
      ...(cursor === undefined ? {} : { cursor }),
    });
    pages += 1;
    sources.add(reply.source);
    ids.push(...reply.records.map(idOf));
    if (!reply.hasMore) return { ids, sources, pages };
    cursor = reply.nextCursor;
  }
}
