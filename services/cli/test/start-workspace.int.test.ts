// `ironcurtain start --workspace DIR` through the whole stack: a real git repository (made with `git init`) outside
// IRONCURTAIN_HOME is the session's sandbox. The scripted model (a fake Anthropic at the wire, behind the real egress)
// edits it through the real PDP, gateway and filesystem/git MCP servers; writes outside it are denied; a resume keeps
// it. The orchestrator refuses what the CLI refuses when asked directly, and the CLI refuses /, $HOME,
// IRONCURTAIN_HOME, a directory inside it and a protected path with exit code 2 before anything starts.
import { execFileSync } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeOf } from '@ironcurtain/errors';
import { request } from '@ironcurtain/bus';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { SessionList, SessionStart } from '@ironcurtain/proto-schemas';
import type { FakeLlmReply, FakeLlmServer } from '@ironcurtain/testing';
import { connectCliBus } from '../src/domain/cli-bus.js';
import { resolveCliNats } from '../src/domain/cli-nats.js';
import { lastUserText, startFakeUpstream, toolResultsSinceUser } from './session-fixture.js';
import {
  cliEnvironment,
  killLeftovers,
  pidsOf,
  readStackFile,
  runCli,
  startCli,
  type CliProcess,
} from './stack-process.js';

const run = (code: string): FakeLlmReply => ({ toolCalls: [{ name: 'execute_code', input: { code } }] });
const attempt = (call: string) => `try { ${call}; return 'done'; } catch (error) { return error.message; }`;

/** The model's script, chosen by what the user asked and the tool results since. */
function scriptedReply(body: unknown, outside: string): FakeLlmReply {
  const task = lastUserText(body);
  const done = toolResultsSinceUser(body);
  if (task.startsWith('Edit the repository')) {
    const steps = [
      "filesystem.write_file({ path: 'CHANGES.md', content: '# edited by the agent\\n' }); return 'written';",
      attempt("filesystem.write_file({ path: '../escaped.md', content: 'out' })"),
      attempt(`filesystem.write_file({ path: '${outside}/x.txt', content: 'out' })`),
      // The marker is built when the code runs, so only the result carries it (not the code the model sent).
      "return ['GIT', 'STATUS'].join('-') + ' ' + JSON.stringify(git.git_status({ path: '.' }));",
    ];
    const code = steps[done];
    return code === undefined ? { text: 'The repository is edited.' } : run(code);
  }
  if (task.startsWith('Read the changes back')) {
    return done === 0 ? run("return filesystem.read_text_file({ path: 'CHANGES.md' });") : { text: 'Read.' };
  }
  return { text: `no script for ${JSON.stringify(task)}` };
}

describe('ironcurtain start --workspace on a real git repository', () => {
  let home: string;
  let repository: string;
  let outside: string;
  let anthropic: FakeLlmServer;
  let environment: Record<string, string>;
  let up: CliProcess | undefined;

  beforeAll(async () => {
    home = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-workspace-')));
    outside = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-outside-')));
    repository = join(home, 'src', 'project');
    await mkdir(repository, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-C', repository, ...args], { encoding: 'utf8' });
    git('init', '--initial-branch', 'main');
    git(
      '-c',
      'user.name=Me',
      '-c',
      'user.email=me@example.invalid',
      'commit',
      '--allow-empty',
      '-m',
      'Start',
    );
    ({ upstream: anthropic, environment } = await startFakeUpstream(home, (request) =>
      scriptedReply(request.body, outside),
    ));
    up = startCli(['up'], environment);
    await up.waitForOutput(/IronCurtain is up/, 60_000);
  }, 120_000);
  afterAll(async () => {
    const state = await readStackFile(join(home, '.ironcurtain'));
    await killLeftovers(up, state === undefined ? [] : pidsOf(state));
    await anthropic?.close();
    await rm(home, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('edits the repository, is denied outside it, runs git status there, and keeps it on resume', async () => {
    const first = await runCli(['start', '--workspace', repository, 'Edit the repository.'], environment);
    const output = first.stdout + first.stderr;
    expect(first.code, output).toBe(0);
    const sessionId = /session (\S+) —/.exec(output)?.[1] ?? '';
    expect(output).toContain(`session ${sessionId} — workspace: ${repository}`);

    // The allowed edit landed in the repository on disk; the session's own sandbox was never made.
    expect(await readFile(join(repository, 'CHANGES.md'), 'utf8')).toBe('# edited by the agent\n');
    await expect(access(join(home, '.ironcurtain', 'sessions', sessionId, 'sandbox'))).rejects.toThrow();
    expect(output).toContain('filesystem.write_file: allowed');
    // Both writes outside it were denied and nothing was written.
    expect(output.match(/filesystem\.write_file: DENIED: /g) ?? []).toHaveLength(2);
    await expect(access(join(home, 'src', 'escaped.md'))).rejects.toThrow();
    await expect(access(join(outside, 'x.txt'))).rejects.toThrow();
    // git status ran in the repository: the model saw the new file there.
    expect(output).toContain('git.git_status: allowed');
    const afterStatus = JSON.stringify(anthropic.requests.at(-1)?.body);
    const statusAt = afterStatus.indexOf('GIT-STATUS');
    expect(statusAt, afterStatus).toBeGreaterThan(0);
    expect(afterStatus.slice(statusAt, statusAt + 3000)).toContain('CHANGES.md');
    expect(execFileSync('git', ['-C', repository, 'status', '--porcelain'], { encoding: 'utf8' })).toBe(
      '?? CHANGES.md\n',
    );

    // session.list shows it, from the record the orchestrator wrote.
    const cli = await connectCliBus(await resolveCliNats(environment, join(home, '.ironcurtain')));
    try {
      const listed = await request(cli, SessionList, {});
      expect(listed.sessions.find((session) => session.sessionId === sessionId)?.workspace).toBe(repository);
    } finally {
      await cli.close();
    }

    const resumed = await runCli(['start', '--resume', sessionId, 'Read the changes back.'], environment);
    const resumedOutput = resumed.stdout + resumed.stderr;
    expect(resumed.code, resumedOutput).toBe(0);
    expect(resumedOutput).toContain(`session ${sessionId} — workspace: ${repository}`);
    expect(resumedOutput).toContain('filesystem.read_text_file: allowed');
    expect(JSON.stringify(anthropic.requests.at(-1)?.body)).toContain('# edited by the agent');

    // A resume may not move the session to another directory.
    const moved = await runCli(
      ['start', '--resume', sessionId, '--workspace', outside, 'Go on.'],
      environment,
    );
    expect(moved.code, moved.stdout + moved.stderr).toBe(2);
    expect(moved.stderr).toContain('a session keeps the workspace it started with');

    // Every service used only what its NATS user may (the PDP reads KV sessions).
    const log = await readFile(join(home, '.ironcurtain', 'logs', 'nats-server.log'), 'utf8');
    expect(log).not.toMatch(/Violation/);
  }, 240_000);

  it('is refused by the orchestrator itself when the CLI is bypassed', async () => {
    const cli = await connectCliBus(await resolveCliNats(environment, join(home, '.ironcurtain')));
    try {
      const refusals: Array<[string, string, RegExp]> = [
        ['/', 'builtin', /it is the root directory/],
        [home, 'builtin', /it is the home directory/],
        [join(home, '.ironcurtain'), 'builtin', /it is IRONCURTAIN_HOME/],
        [join(home, '.ironcurtain', 'sessions'), 'builtin', /inside IRONCURTAIN_HOME/],
        [join(repository, 'missing'), 'builtin', /does not exist/],
        [repository, 'claude-code', /builtin agent only/],
      ];
      for (const [workspace, agent, message] of refusals) {
        const started = request(cli, SessionStart, { agent, workspace, model: 'demo:scripted' });
        const error: unknown = await started.then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(errorCodeOf(error), workspace).toBe('WORKSPACE_REFUSED');
        expect((error as Error).message).toMatch(message);
      }
    } finally {
      await cli.close();
    }
  }, 60_000);
});

describe('ironcurtain start --workspace refuses a directory before starting anything', () => {
  let home: string;
  let environment: Record<string, string>;

  beforeAll(async () => {
    home = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-workspace-refused-')));
    await mkdir(join(home, '.ironcurtain', 'sessions'), { recursive: true });
    await mkdir(join(home, 'src'), { recursive: true });
    await symlink(join(home, '.ironcurtain'), join(home, 'src', 'looks-innocent'));
    environment = cliEnvironment(home, { IRONCURTAIN_HOME: join(home, '.ironcurtain') });
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it.each([
    ['/', /it is the root directory/],
    ['~', /it is the home directory/],
    ['~/.ironcurtain', /it is IRONCURTAIN_HOME/],
    ['~/.ironcurtain/sessions', /it is inside IRONCURTAIN_HOME/],
    ['~/src/looks-innocent', /it is IRONCURTAIN_HOME \(it resolves to /],
    // The shipped policy folder holds the MCP server config and the policy: protected paths.
    [defaultPolicyDir, /it contains the protected path .*mcp-servers\.json/],
  ])(
    'refuses %s with exit code 2',
    async (directory, message) => {
      const path = directory.startsWith('~') ? join(home, directory.slice(1)) : directory;
      const result = await runCli(['start', '--workspace', path, 'Do something.'], environment);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain('choose a project directory of its own');
      // Nothing was started: no stack was brought up.
      expect(await readStackFile(join(home, '.ironcurtain'))).toBeUndefined();
      await expect(access(join(home, '.ironcurtain', 'nats'))).rejects.toThrow();
    },
    60_000,
  );
});
