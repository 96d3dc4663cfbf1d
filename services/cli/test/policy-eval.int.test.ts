// `ironcurtain policy eval` as a real process: JSON calls on stdin, one decision line per call on stdout.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnvironment } from './stack-process.js';
import {
  jsonLines,
  runCliWithInput,
  writeMcpConfig,
  writePolicy,
  type FixtureRule,
} from './policy-fixture.js';

describe('ironcurtain policy eval', () => {
  let root: string;
  let shared: string;
  let home: string;
  let sandbox: string;
  let policyDir: string;
  let mcpConfig: string;
  let elsewhere: string;

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-policy-eval-')));
    shared = join(root, 'shared');
    // IRONCURTAIN_HOME inside a folder a rule opens: protection must still win over the rule.
    home = join(shared, 'ic-home');
    sandbox = join(root, 'sandbox');
    // The working directory sits one level deeper than the sandbox, so `../shared` differs between the two.
    elsewhere = join(root, 'elsewhere', 'deeper');
    for (const directory of [shared, home, sandbox, elsewhere, join(root, 'secret')])
      await mkdir(directory, { recursive: true });
    await writeFile(join(root, 'secret', 'key.txt'), 'secret');
    await writeFile(join(home, 'config.json'), '{}');
    // A symlink inside the sandbox that leads out of it.
    await symlink(join(root, 'secret'), join(sandbox, 'escape'));
    const rules: FixtureRule[] = [
      { name: 'allow-read-shared', if: { paths: { roles: ['read-path'], within: shared } }, then: 'allow' },
      {
        name: 'escalate-write-shared',
        if: { paths: { roles: ['write-path'], within: shared } },
        then: 'escalate',
      },
      {
        name: 'deny-fetch-blocked',
        if: { domains: { roles: ['fetch-url'], allowed: ['blocked.example'] } },
        then: 'deny',
      },
      {
        name: 'allow-fetch-docs',
        if: { domains: { roles: ['fetch-url'], allowed: ['@docs-sites'] } },
        then: 'allow',
      },
    ];
    policyDir = await writePolicy(join(root, 'policy'), rules);
    mcpConfig = await writeMcpConfig(join(root, 'mcp-servers.json'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const evaluate = async (calls: readonly (object | string)[]) => {
    const input = calls.map((call) => (typeof call === 'string' ? call : JSON.stringify(call))).join('\n');
    const run = await runCliWithInput(
      ['policy', 'eval', '--policy-dir', policyDir, '--sandbox', sandbox, '--mcp-config', mcpConfig],
      { env: cliEnvironment(home, { HOME: root }), cwd: elsewhere, input: `${input}\n` },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return jsonLines(run.stdout);
  };
  const read = (path: string) => ({ serverName: 'filesystem', toolName: 'read_file', arguments: { path } });
  const write = (path: string) => ({
    serverName: 'filesystem',
    toolName: 'write_file',
    arguments: { path, content: 'x' },
  });
  const fetch = (url: string) => ({ serverName: 'fetch', toolName: 'http_fetch', arguments: { url } });

  it('answers allow, escalate and deny, one line per call, in order', async () => {
    const answers = await evaluate([
      read(join(shared, 'a.txt')),
      write(join(shared, 'a.txt')),
      read('/etc/passwd'),
      fetch('https://blocked.example/page'),
      fetch('https://docs.example/guide'),
    ]);
    expect(answers).toEqual([
      { decision: 'allow', rule: 'allow-read-shared', reason: 'because allow-read-shared' },
      {
        decision: 'escalate',
        rule: 'escalate-write-shared',
        reason: 'because escalate-write-shared',
        escalatedRoles: ['write-path'],
      },
      expect.objectContaining({ decision: 'deny', rule: 'default-deny' }),
      { decision: 'deny', rule: 'deny-fetch-blocked', reason: 'because deny-fetch-blocked' },
      { decision: 'allow', rule: 'allow-fetch-docs', reason: 'because allow-fetch-docs' },
    ]);
  });

  it('denies a protected path under IRONCURTAIN_HOME even inside a folder a rule allows', async () => {
    const [configRead, viaDotDot] = await evaluate([
      read(join(home, 'config.json')),
      read(join(shared, 'x', '..', 'ic-home', 'config.json')),
    ]);
    expect(configRead).toMatchObject({ decision: 'deny', rule: 'structural-protected-path' });
    expect(viaDotDot).toMatchObject({ decision: 'deny', rule: 'structural-protected-path' });
  });

  it('answers a malformed line with a deny naming its line and goes on with the next', async () => {
    const answers = await evaluate([
      read(join(shared, 'a.txt')),
      '{"serverName": "filesystem", "toolName": ',
      '{"serverName": "filesystem", "toolName": "read_file", "args": {"path": "/etc/passwd"}}',
      read(join(shared, 'b.txt')),
    ]);
    expect(answers).toHaveLength(4);
    expect(answers[0]).toMatchObject({ decision: 'allow' });
    expect(answers[1]).toMatchObject({ decision: 'deny', rule: 'invalid-arguments' });
    expect(answers[1]?.['reason']).toMatch(/^line 2: not valid JSON/);
    expect(answers[2]).toMatchObject({ decision: 'deny', rule: 'invalid-arguments' });
    expect(answers[2]?.['reason']).toMatch(/^line 3: .*args/);
    expect(answers[3]).toMatchObject({ decision: 'allow', rule: 'allow-read-shared' });
  });

  it('resolves relative paths against --sandbox, not the working directory', async () => {
    const [inSandbox, upAndOver] = await evaluate([read('notes.txt'), read('../shared/a.txt')]);
    expect(inSandbox).toMatchObject({ decision: 'allow', rule: 'structural-sandbox-allow' });
    // Against the working directory, ../shared/a.txt would be elsewhere/shared/a.txt, which no rule allows.
    expect(upAndOver).toMatchObject({ decision: 'allow', rule: 'allow-read-shared' });
  });

  it('never allows a path that leaves the sandbox through a symlink', async () => {
    const answers = await evaluate([
      read('escape/key.txt'),
      read(join(sandbox, 'escape', 'key.txt')),
      write('escape/new.txt'),
    ]);
    for (const answer of answers) expect(answer).toMatchObject({ decision: 'deny', rule: 'default-deny' });
  });

  it('denies arguments that do not fit the schema, and unknown tools', async () => {
    const answers = await evaluate([
      { serverName: 'filesystem', toolName: 'read_file', arguments: { path: join(shared, 'a'), extra: 1 } },
      { serverName: 'filesystem', toolName: 'read_file', arguments: { path: 42 } },
      { serverName: 'filesystem', toolName: 'read_file', arguments: { path: `${shared}/a\u0000b` } },
      { serverName: 'filesystem', toolName: 'format_disk', arguments: {} },
    ]);
    expect(answers.map((answer) => answer['rule'])).toEqual([
      'invalid-arguments',
      'invalid-arguments',
      'invalid-arguments',
      'structural-unknown-tool',
    ]);
    for (const answer of answers) expect(answer['decision']).toBe('deny');
  });
});
