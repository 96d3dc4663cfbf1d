// `ironcurtain policy explain` as a real process: every invariant and rule considered, then the decision.
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExplanationStep } from '@ironcurtain/policy-engine';
import { cliEnvironment } from './stack-process.js';
import { runCliWithInput, writeMcpConfig, writePolicy } from './policy-fixture.js';

describe('ironcurtain policy explain', () => {
  let root: string;
  let shared: string;
  let options: string[];

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-policy-explain-')));
    shared = join(root, 'shared');
    const policyDir = await writePolicy(join(root, 'policy'), [
      {
        name: 'allow-read-docs',
        if: { paths: { roles: ['read-path'], within: join(root, 'docs') } },
        then: 'allow',
      },
      { name: 'allow-read-shared', if: { paths: { roles: ['read-path'], within: shared } }, then: 'allow' },
    ]);
    const mcpConfig = await writeMcpConfig(join(root, 'mcp-servers.json'));
    options = ['--policy-dir', policyDir, '--mcp-config', mcpConfig, '--sandbox', join(root, 'sandbox')];
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const explain = (args: readonly string[], input?: string) =>
    runCliWithInput(['policy', 'explain', ...options, ...args], {
      env: cliEnvironment(join(root, 'home'), { HOME: root }),
      cwd: root,
      ...(input === undefined ? {} : { input }),
    });
  const call = (path: string) =>
    JSON.stringify({ serverName: 'filesystem', toolName: 'read_file', arguments: { path } });

  it('names the matching rule, the rules that did not match, the invariants, and the decision', async () => {
    const run = await explain([call(join(shared, 'a.txt'))]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.find((line) => line.includes('allow-read-docs [read-path]'))).toMatch(/no match/);
    expect(lines.find((line) => line.includes('allow-read-shared [read-path]'))).toMatch(/matched/);
    expect(lines.find((line) => line.includes('structural-protected-path'))).toMatch(/no match/);
    expect(run.stdout).toContain('decision   ALLOW by rule allow-read-shared: because allow-read-shared');
  });

  it('reads the call from stdin and prints JSON with --json', async () => {
    const run = await explain(['--json'], `${call('/etc/passwd')}\n`);
    expect(run.code).toBe(0);
    const explanation = JSON.parse(run.stdout) as {
      result: { decision: string; rule: string };
      steps: ExplanationStep[];
    };
    expect(explanation.result).toMatchObject({ decision: 'deny', rule: 'default-deny' });
    const rules = explanation.steps.filter((step) => step.stage === 'rule');
    expect(rules.map((step) => [step.id, step.outcome])).toEqual([
      ['allow-read-docs', 'not-matched'],
      ['allow-read-shared', 'not-matched'],
    ]);
  });

  it('shows a call refused before evaluation, with the reason', async () => {
    const run = await explain([
      JSON.stringify({
        serverName: 'filesystem',
        toolName: 'read_file',
        arguments: { path: 'a', mode: 'x' },
      }),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/argument-schema\s+no match\s+arguments: unknown key "mode"/);
    expect(run.stdout).toContain('decision   DENY by rule invalid-arguments');
  });

  it('exits 1 on a call that is not JSON', async () => {
    const run = await explain(['{"serverName":']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot explain the call: not valid JSON');
  });
});
