// `ironcurtain audit verify` as a real process on real trail files, with no stack running: every kind of tampering
// is caught and named by its first bad seq.
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyChainHead, headOf, sealRecord, type ChainHead } from '@ironcurtain/audit-trail';
import { jsonLines, runCliWithInput } from './policy-fixture.js';
import { cliEnvironment } from './stack-process.js';

let root: string;
let home: string;

/** The lines (no newline) of a valid trail of `count` records of `sessionId`. */
function trailLines(sessionId: string, count: number): string[] {
  let head: ChainHead = emptyChainHead;
  const lines: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const sealed = sealRecord(
      {
        kind: 'decision',
        timestamp: new Date(Date.UTC(2026, 10, 24, 12, 0, index)).toISOString(),
        requestId: `call-${index}`,
        sessionId,
        serverName: 'filesystem',
        toolName: 'read_file',
        arguments: { path: `/tmp/${index}.txt` },
        policyDecision: { status: 'allow', rule: 'allow-read', reason: 'allowed' },
        policyHash: 'a'.repeat(64),
      },
      head,
    );
    head = headOf(sealed.record);
    lines.push(sealed.line.trimEnd());
  }
  return lines;
}

async function writeTrail(sessionId: string, lines: readonly string[], ending = '\n'): Promise<string> {
  const path = join(home, 'sessions', sessionId, 'audit.jsonl');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, lines.join('\n') + ending);
  return path;
}

const verify = (args: readonly string[]) =>
  runCliWithInput(['audit', 'verify', ...args], { env: cliEnvironment(home, { HOME: root }), cwd: root });

beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-audit-verify-')));
  home = join(root, 'home');
  await writeTrail('good', trailLines('good', 6));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('ironcurtain audit verify', () => {
  it('passes an intact trail given by session id (exit code 0)', async () => {
    const run = await verify(['good']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^OK {6}good: 6 records, seq 0-5, head [0-9a-f]{16}…\n$/);
  });

  it('passes a trail given as a file, offline', async () => {
    const copy = join(root, 'copy.jsonl');
    await writeFile(copy, await readFile(join(home, 'sessions', 'good', 'audit.jsonl')));
    const run = await verify(['copy.jsonl', '--json']);
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({ trail: 'copy.jsonl', isValid: true, records: 6, lastSeq: 5, setAside: [] }),
    ]);
  });

  const tamperings: ReadonlyArray<readonly [string, (lines: string[]) => void, number, string]> = [
    [
      'an edit',
      (lines) => void (lines[3] = (lines[3] as string).replace('/tmp/3.txt', '/etc/shadow')),
      3,
      'edited',
    ],
    ['a deletion', (lines) => void lines.splice(2, 1), 2, 'deleted'],
    ['an insertion', (lines) => void lines.splice(4, 0, lines[1] as string), 1, 'inserted'],
    [
      'a reordering',
      (lines) => void ([lines[4], lines[5]] = [lines[5] as string, lines[4] as string]),
      4,
      'reordered',
    ],
  ];

  it.each(tamperings)('names the first bad seq of %s (exit code 1)', async (_name, tamper, seq, kind) => {
    const sessionId = `t-${kind}`;
    const lines = trailLines(sessionId, 6);
    tamper(lines);
    await writeTrail(sessionId, lines);
    const run = await verify([sessionId]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`BROKEN  ${sessionId}: first bad seq ${seq} `);
    expect(run.stdout).toContain(`, ${kind}: `);
    const json = await verify([sessionId, '--json']);
    expect(jsonLines(json.stdout)[0]).toMatchObject({ isValid: false, firstBadSeq: seq, tampering: kind });
  });

  it('checks every session when given none, and fails if any is broken', async () => {
    const run = await verify(['--json']);
    const verdicts = jsonLines(run.stdout);
    expect(verdicts.map((verdict) => verdict['trail'])).toEqual(expect.arrayContaining(['good', 't-edited']));
    expect(verdicts.find((verdict) => verdict['trail'] === 'good')).toMatchObject({ isValid: true });
    expect(run.code).toBe(1);
  });

  it('reports a torn last line as an unfinished write, not as tampering, and lists torn tails set aside', async () => {
    const lines = trailLines('torn', 3);
    const path = await writeTrail('torn', [...lines, (lines[2] as string).slice(0, 30)], '');
    await writeFile(`${path}.torn-2026-11-24T12-00-00-000Z`, '{"seq":');
    const run = await verify(['torn']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('OK      torn: 3 records');
    expect(run.stdout).toContain('note: the last line is an unfinished write');
    expect(run.stdout).toContain(
      'note: torn tail set aside earlier: audit.jsonl.torn-2026-11-24T12-00-00-000Z',
    );
  });

  it('says what it looked for when there is no such trail', async () => {
    const run = await verify(['no-such-session']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no audit trail "no-such-session"');
    expect(run.stderr).toContain(join(home, 'sessions', 'no-such-session', 'audit.jsonl'));
  });
});
