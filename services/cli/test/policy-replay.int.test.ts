// `ironcurtain policy replay` as a real process, on a hand-made audit trail and two versions of a policy.
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayReport } from '../src/domain/policy/policy-replay.js';
import { cliEnvironment } from './stack-process.js';
import { runCliWithInput, writeMcpConfig, writePolicy } from './policy-fixture.js';

describe('ironcurtain policy replay', () => {
  let root: string;
  let home: string;
  let candidate: string;
  let mcpConfig: string;
  let auditFile: string;

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-policy-replay-')));
    home = join(root, 'home');
    const shared = join(root, 'shared');
    const docs = join(root, 'docs');
    await mkdir(join(home, 'sessions', 's1', 'sandbox'), { recursive: true });
    mcpConfig = await writeMcpConfig(join(root, 'mcp-servers.json'));
    // The candidate: reads of shared now escalate, writes there are denied, docs become readable.
    candidate = await writePolicy(join(root, 'candidate'), [
      {
        name: 'escalate-read-shared',
        if: { paths: { roles: ['read-path'], within: shared } },
        then: 'escalate',
      },
      { name: 'deny-write-shared', if: { paths: { roles: ['write-path'], within: shared } }, then: 'deny' },
      { name: 'allow-read-docs', if: { paths: { roles: ['read-path'], within: docs } }, then: 'allow' },
    ]);
    let seq = 0;
    const record = (fields: Record<string, unknown>) =>
      JSON.stringify({
        seq: seq++,
        kind: 'decision',
        timestamp: '2026-01-01T00:00:00.000Z',
        sessionId: 's1',
        policyHash: '',
        prevHash: '0'.repeat(64),
        hash: 'f'.repeat(64),
        ...fields,
      });
    const decision = (toolName: string, path: string, outcome: string, rule: string, extra = {}) =>
      record({
        requestId: `c${seq}`,
        serverName: 'filesystem',
        toolName,
        arguments: toolName === 'write_file' ? { path, content: 'x' } : { path },
        policyDecision: { status: outcome, rule, reason: 'recorded' },
        ...extra,
      });
    const lines = [
      decision('read_file', join(shared, 'a.txt'), 'allow', 'allow-read-shared'), // line 1: allow → escalate
      decision('read_file', join(shared, 'b.txt'), 'allow', 'allow-read-shared'), // line 2: allow → escalate
      decision('write_file', join(shared, 'a.txt'), 'escalate', 'escalate-write-shared'), // line 3: escalate → deny
      // line 4: an approved escalation is recorded as allow; the policy's answer was escalate → now deny
      decision('write_file', join(shared, 'c.txt'), 'allow', 'escalate-write-shared', {
        escalationResult: 'approved',
        escalation: { ticketId: 't1', approver: 'me' },
      }),
      decision('read_file', join(docs, 'x.md'), 'deny', 'default-deny'), // line 5: deny → allow
      decision('read_file', '/etc/passwd', 'deny', 'default-deny'), // line 6: unchanged
      // line 7: unchanged, because the session's own sandbox is used
      decision(
        'read_file',
        join(home, 'sessions', 's1', 'sandbox', 'n.txt'),
        'allow',
        'structural-sandbox-allow',
      ),
      decision('read_file', join(shared, 'a.txt'), 'deny', 'circuit-breaker'), // line 8: not re-decidable
      decision('read_file', 'a', 'deny', 'invalid-arguments'), // line 9: not re-decidable
      record({
        kind: 'outcome',
        requestId: 'c1',
        serverName: 'filesystem',
        toolName: 'read_file',
        policyDecision: { status: 'allow', rule: 'allow-read-shared', reason: 'recorded' },
        result: { status: 'success' },
        durationMs: 2,
      }), // line 10: skipped
      '{"sessionId": "s1", "kind": ', // line 11: malformed
      JSON.stringify({ sessionId: 's1', kind: 'decision', at: 'yesterday' }), // line 12: malformed
      '',
      // line 14: malformed, a decision record without arguments
      record({
        requestId: 'c14',
        serverName: 'filesystem',
        toolName: 'read_file',
        policyDecision: { status: 'allow', rule: 'allow-read-shared', reason: 'recorded' },
      }),
    ];
    auditFile = join(root, 'audit.jsonl');
    await writeFile(auditFile, `${lines.join('\n')}\n`);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const replay = (extra: readonly string[]) =>
    runCliWithInput(
      [
        'policy',
        'replay',
        '--audit',
        auditFile,
        '--policy-dir',
        candidate,
        '--mcp-config',
        mcpConfig,
        ...extra,
      ],
      { env: cliEnvironment(home, { HOME: root }), cwd: root },
    );

  it('counts transitions, unchanged, not re-decidable, skipped and malformed records', async () => {
    const run = await replay(['--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ReplayReport;
    expect(report.decisions).toBe(7);
    expect(report.unchanged).toBe(2);
    expect(report.changed).toBe(5);
    expect(report.transitions).toEqual(
      expect.arrayContaining([
        { from: 'allow', to: 'escalate', count: 2 },
        { from: 'escalate', to: 'deny', count: 2 },
        { from: 'deny', to: 'allow', count: 1 },
      ]),
    );
    expect(report.transitions).toHaveLength(3);
    expect(report.notReDecidable).toEqual({
      count: 2,
      byRule: { 'circuit-breaker': 1, 'invalid-arguments': 1 },
    });
    expect(report.skipped).toBe(1);
    expect(report.malformed.count).toBe(3);
    expect(report.malformed.lines.map((entry) => entry.line)).toEqual([11, 12, 14]);
    expect(report.changes.map((change) => change.line)).toEqual([1, 2, 3, 4, 5]);
    expect(report.changes[3]).toMatchObject({
      from: { decision: 'escalate', rule: 'escalate-write-shared', escalation: 'approved' },
      to: { decision: 'deny', rule: 'deny-write-shared' },
    });
  });

  it('lists the first --limit changed calls with their old and new rules', async () => {
    const run = await replay(['--limit', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('changed: 5');
    expect(run.stdout).toMatch(/allow → escalate\s+2/);
    expect(run.stdout).toMatch(/escalate → deny\s+2/);
    expect(run.stdout).toMatch(/deny → allow\s+1/);
    expect(run.stdout).toContain('unchanged: 2');
    expect(run.stdout).toContain('not re-decidable (decided by the PDP, not the policy): 2');
    expect(run.stdout).toContain('changed calls (first 2 of 5):');
    expect(run.stdout).toContain('allow (allow-read-shared) → escalate (escalate-read-shared)');
    expect(run.stdout).not.toContain('line 5  session');
    expect(run.stdout).toContain('line 11: not valid JSON');
  });

  it('fails clearly when the trail does not exist', async () => {
    const run = await runCliWithInput(
      ['policy', 'replay', '--audit', join(root, 'missing.jsonl'), '--policy-dir', candidate],
      { env: cliEnvironment(home, { HOME: root }), cwd: root },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('missing.jsonl does not exist');
  });
});
