// `ironcurtain doctor` against a fake PATH of real executables and a temporary IRONCURTAIN_HOME.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAgentImageFolders } from '@ironcurtain/agent-images';
import { createCommandRunner, findExecutableOn } from '../src/domain/doctor/command-runner.js';
import { runDoctorChecks } from '../src/domain/doctor/doctor-checks.js';
import type { CheckResult } from '../src/domain/doctor/doctor-result.js';
import { runCli } from './stack-process.js';

const fakeAnthropicKey = 'sk-ant-api03-FAKE-d0ct0rT3stQz9Wv7Xk2Lm';
const fakeOpenAiKey = 'sk-proj-FAKE-n3v3rPr1nt3dHj5Rt8';

describe('ironcurtain doctor', () => {
  let root: string;
  let toolsDirectory: string;
  let emptyDirectory: string;
  let home: string;

  const writeExecutable = async (name: string, script: string): Promise<void> => {
    const file = join(toolsDirectory, name);
    await writeFile(file, `#!/bin/sh\n${script}\n`);
    await chmod(file, 0o755);
  };
  const environment = (extra: Record<string, string> = {}): Record<string, string> => ({
    PATH: toolsDirectory,
    HOME: root,
    IRONCURTAIN_HOME: home,
    ...extra,
  });
  const checksWith = (env: Record<string, string>): Promise<CheckResult[]> =>
    runDoctorChecks({
      env,
      nodeVersion: 'v24.21.0',
      homeDirectory: root,
      findExecutable: findExecutableOn(env['PATH']),
      runCommand: createCommandRunner(env),
    });
  const resultOf = (results: CheckResult[], check: string): CheckResult | undefined =>
    results.find((result) => result.check === check);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ironcurtain-doctor-'));
    toolsDirectory = join(root, 'tools');
    emptyDirectory = join(root, 'empty');
    home = join(root, 'home');
    await Promise.all([mkdir(toolsDirectory), mkdir(emptyDirectory), mkdir(home)]);
    await writeExecutable('nats-server', 'echo "nats-server: v2.10.22"');
    await writeExecutable('bwrap', 'echo "bubblewrap 0.8.0"');
    await writeExecutable(
      'docker',
      'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2; exit 1',
    );
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('runs the tools it finds on PATH and reports their versions', async () => {
    const results = await checksWith(environment());
    expect(resultOf(results, 'nats-server')).toEqual({
      check: 'nats-server',
      status: 'ok',
      summary: `nats-server 2.10.22 (${join(toolsDirectory, 'nats-server')})`,
    });
    expect(resultOf(results, 'bubblewrap')).toMatchObject({
      status: 'ok',
      summary: expect.stringContaining('0.8.0'),
    });
    expect(resultOf(results, 'docker')).toMatchObject({
      status: 'warning',
      summary: expect.stringContaining('the engine does not answer'),
    });
    expect(resultOf(results, 'ironcurtain-home')).toMatchObject({ status: 'ok' });
  });

  it('reports for every shipped MCP server whether it will run sandboxed, with the real bwrap or without one', async () => {
    const realBwrap = await findExecutableOn(process.env['PATH'])('bwrap');
    if (realBwrap === undefined) throw new Error('these tests need bubblewrap (./scripts/setup installs it)');
    const withBwrap = await checksWith(environment({ PATH: `${emptyDirectory}:${join(realBwrap, '..')}` }));
    for (const server of ['filesystem', 'git', 'fetch']) {
      expect(resultOf(withBwrap, `server:${server}`)).toMatchObject({
        status: 'ok',
        summary: expect.stringContaining('sandboxed with bubblewrap'),
      });
    }
    expect(resultOf(withBwrap, 'server:filesystem')?.summary).toMatch(/, network: none$/);
    expect(resultOf(withBwrap, 'server:git')?.summary).toMatch(
      /network: only through the domain filter: github\.com, \*\.github\.com, /,
    );
    expect(resultOf(withBwrap, 'server:fetch')?.summary).toMatch(
      /network: only through the domain filter: \*$/,
    );
    expect(resultOf(withBwrap, 'server:github')?.summary).toMatch(
      /container \(docker\), network: Docker network "bridge", not filtered by domain \(declares api\.github\.com\); starts only when GITHUB_PERSONAL_ACCESS_TOKEN/,
    );
    const withoutBwrap = await checksWith(environment({ PATH: emptyDirectory }));
    expect(resultOf(withoutBwrap, 'server:git')).toMatchObject({
      status: 'warning',
      summary: expect.stringContaining('cannot be sandboxed here: bwrap is not on PATH'),
      fix: expect.stringContaining('apt-get install bubblewrap'),
    });
    const unsandboxed = join(root, 'servers.json');
    await writeFile(unsandboxed, JSON.stringify({ tools: { command: 'node', sandbox: false } }));
    const optedOut = await checksWith(environment({ IRONCURTAIN_MCP_CONFIG: unsandboxed }));
    expect(resultOf(optedOut, 'server:tools')).toMatchObject({
      status: 'warning',
      summary: expect.stringContaining('unsandboxed'),
    });
  });

  it('reports a missing nats-server as a problem with a fix, and missing docker and bwrap as warnings', async () => {
    const results = await checksWith(environment({ PATH: emptyDirectory }));
    expect(resultOf(results, 'nats-server')).toMatchObject({
      status: 'problem',
      fix: expect.stringContaining('apt-get install nats-server'),
    });
    expect(resultOf(results, 'docker')).toMatchObject({ status: 'warning' });
    expect(resultOf(results, 'bubblewrap')).toMatchObject({
      status: 'warning',
      summary: expect.stringContaining('needed to sandbox MCP servers'),
    });
  });

  it('reports a nats-server that is too old as a problem', async () => {
    await writeExecutable('nats-server', 'echo "nats-server: v2.2.0"');
    expect(resultOf(await checksWith(environment()), 'nats-server')).toMatchObject({ status: 'problem' });
  });

  it('exits 1 and prints the problem and its fix when nats-server is not on PATH', async () => {
    const { code, stdout } = await runCli(['doctor'], environment({ PATH: emptyDirectory }));
    expect(code).toBe(1);
    expect(stdout).toMatch(/^problem\s+nats-server\s+nats-server is not on PATH/m);
    expect(stdout).toContain('fix: apt-get install nats-server, or run ./scripts/setup');
  });

  it('exits 0 when nothing is a problem', async () => {
    const { code, stdout } = await runCli(['doctor'], environment({ ANTHROPIC_API_KEY: fakeAnthropicKey }));
    expect(stdout).toMatch(/^ok\s+nats-server\s+nats-server 2\.10\.22/m);
    expect(stdout).not.toMatch(/^problem/m);
    expect(code).toBe(0);
  });

  it('names config.json and the position of a JSON error in it', async () => {
    const configFile = join(home, 'config.json');
    await writeFile(configFile, '{\n  "model": "claude",\n  "maxSteps": 20,,\n}\n');
    const { code, stdout } = await runCli(['doctor'], environment());
    expect(code).toBe(1);
    expect(stdout).toContain(`${configFile} is not valid JSON`);
    expect(stdout).toContain('line 3, column 18');
  });

  it("reports config.json's bad keys by JSON path as a problem, and its warnings as warnings", async () => {
    const configFile = join(home, 'config.json');
    await writeFile(
      configFile,
      JSON.stringify({
        escalationTimeoutSeconds: 5,
        resourceBudget: { maxSteps: 'fifty' },
        anthropicApiKey: '',
      }),
    );
    await chmod(configFile, 0o600);
    const invalid = (await checksWith(environment())).filter((result) => result.check === 'config');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.status).toBe('problem');
    expect(invalid[0]?.summary).toContain(`${configFile} has bad values:`);
    expect(invalid[0]?.summary).toMatch(/escalationTimeoutSeconds: at least 30 \(it is 5\)/);
    expect(invalid[0]?.summary).toMatch(/resourceBudget\.maxSteps: .*"fifty"/);
    expect(invalid[0]?.summary).toMatch(/anthropicApiKey: must not be empty/);
    expect(invalid[0]?.fix).toContain('ironcurtain config set');

    await writeFile(configFile, JSON.stringify({ colour: 'blue', escalationTimeoutSeconds: 60 }));
    await chmod(configFile, 0o644);
    const warned = (await checksWith(environment())).filter((result) => result.check === 'config');
    expect(warned.map((result) => result.status)).toEqual(['ok', 'warning', 'warning']);
    expect(warned.map((result) => result.summary).join('\n')).toMatch(
      /can be read by other users[\s\S]*unknown key colour/,
    );
  });

  it('never prints an API key, or part of one, in the report or the JSON', async () => {
    // The key also sits in a broken config.json: a parse error must not quote it either.
    await writeFile(join(home, 'config.json'), `{"apiKey": ${fakeAnthropicKey}}`);
    const env = environment({ ANTHROPIC_API_KEY: fakeAnthropicKey, OPENAI_API_KEY: fakeOpenAiKey });
    const human = await runCli(['doctor'], env);
    const json = await runCli(['doctor', '--json'], env);
    for (const text of [human.stdout, human.stderr, json.stdout, json.stderr]) {
      for (const fragment of ['d0ct0rT3st', 'n3v3rPr1nt3d', 'sk-ant-api03', 'sk-proj-FAKE'])
        expect(text).not.toContain(fragment);
    }
    expect(human.stdout).toContain(
      'ANTHROPIC_API_KEY present, OPENAI_API_KEY present, GOOGLE_GENERATIVE_AI_API_KEY absent',
    );
  });

  it('prints machine-readable results with --json', async () => {
    const { code, stdout } = await runCli(['doctor', '--json'], environment({ PATH: emptyDirectory }));
    const report = JSON.parse(stdout) as { ok: boolean; checks: CheckResult[] };
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.checks.map((result) => result.check)).toEqual([
      'node',
      'nats-server',
      'docker',
      'bubblewrap',
      'llm-api-keys',
      'ironcurtain-home',
      'config',
      'server:filesystem',
      'server:git',
      'server:fetch',
      'server:github',
      ...(await listAgentImageFolders()).map((folder) => `agent-image:${folder}`),
      'signal',
    ]);
    expect(resultOf(report.checks, 'nats-server')?.status).toBe('problem');
  });
});
