// `ironcurtain start` when something goes wrong, with the real CLI and stack and a fake Anthropic behind the egress:
// a single shot stopped by SIGTERM or SIGINT exits 1 and says "aborted"; a call denied because the audit-writer does
// not answer is counted in /logs and in the end-of-session summary; and when the stack's nats-server is SIGKILLed,
// `start` says so and exits 1 in time, attached to `up` or with a stack of its own, leaving no process behind.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type FakeLlmReply, type FakeLlmServer } from '@ironcurtain/testing';
import { lastUserText, startFakeUpstream, toolResultsSinceUser } from './session-fixture.js';
import {
  descendantsOf,
  isRunning,
  killLeftovers,
  pidsOf,
  readStackFile,
  startCli,
  startCliInTerminal,
  type CliProcess,
} from './stack-process.js';

/** A fake model whose "Wait for me" turns hold their reply until released: a task still running when it is hit. */
function createScriptedModel() {
  const held: Array<() => void> = [];
  const respond = (body: unknown): FakeLlmReply | Promise<FakeLlmReply> => {
    const task = lastUserText(body);
    if (task.startsWith('Wait for me')) {
      return new Promise((resolve) => held.push(() => resolve({ text: 'Done waiting.' })));
    }
    if (task.startsWith('Write the outage note')) {
      if (toolResultsSinceUser(body) > 0) return { text: 'The note could not be written.' };
      const code =
        "try { filesystem.write_file({ path: 'outage.md', content: 'x' }); return 'written'; }\n" +
        'catch (error) { return error.message; }';
      return { toolCalls: [{ name: 'execute_code', input: { code } }] };
    }
    return { text: `no script for ${JSON.stringify(task)}` };
  };
  return { respond, releaseAll: () => held.splice(0).forEach((release) => release()) };
}

/** Waits until the fake model has been asked `task`: the turn is running and its reply held. */
const askedFor = (upstream: FakeLlmServer, task: string) =>
  eventually(
    `the model asked for "${task}"`,
    () => upstream.requests.some((request) => lastUserText(request.body) === task),
    60_000,
  );

/** How the process ended, or `still running` once `timeoutMs` has passed. */
async function exitWithin(cli: CliProcess, timeoutMs: number) {
  const timeout = new Promise<'still running'>((resolve) =>
    setTimeout(() => resolve('still running'), timeoutMs),
  );
  return Promise.race([cli.exited, timeout]);
}

describe('ironcurtain start against a running stack, when it is stopped or a part fails', () => {
  let home: string;
  let upstream: FakeLlmServer;
  let model: ReturnType<typeof createScriptedModel>;
  let environment: Record<string, string>;
  let up: CliProcess | undefined;
  const seenPids = new Set<number>();
  const stackPids = async () => {
    const state = await readStackFile(join(home, '.ironcurtain'));
    if (state === undefined) throw new Error('no stack.json');
    for (const pid of pidsOf(state)) seenPids.add(pid);
    return state;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-faults-'));
    model = createScriptedModel();
    ({ upstream, environment } = await startFakeUpstream(home, (request) => model.respond(request.body), {
      // A stopped audit-writer denies a call after 1 s instead of 5.
      PDP_AUDIT_TIMEOUT_MS: '1000',
    }));
    up = startCli(['up'], environment);
    await up.waitForOutput(/IronCurtain is up/, 60_000);
    await stackPids();
  }, 90_000);
  afterAll(async () => {
    model?.releaseAll();
    await killLeftovers(up, seenPids);
    await upstream?.close();
    await rm(home, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'a single shot sent %s mid-task exits 1 and says it was aborted',
    async (signal) => {
      const task = `Wait for me (${signal}).`;
      const start = startCli(['start', task], environment);
      await askedFor(upstream, task);
      start.child.kill(signal);
      const exit = await exitWithin(start, 20_000);
      expect(exit, start.output()).toEqual({ code: 1, signal: null });
      expect(start.output()).toMatch(new RegExp(`aborted by ${signal}: the session is stopped`));
      expect(start.output()).toContain('tool calls in this session: 0 executed, 0 denied, 0 failed');
    },
    60_000,
  );

  it('counts a call denied while the audit-writer does not answer, in /logs and in the summary', async () => {
    const auditWriter = (await stackPids()).services['audit-writer'] as number;
    const cli = startCliInTerminal(['start'], { ...environment, TERM: 'dumb' });
    try {
      await cli.waitForOutput(/session \S+ — sandbox:/, 30_000);
      process.kill(auditWriter, 'SIGSTOP');
      cli.type('Write the outage note.');
      await cli.waitForOutput(/ready for your next message/, 60_000);
      process.kill(auditWriter, 'SIGCONT');
      cli.type('/logs');
      await cli.waitForOutput(/in the transcript: [^]*may have run \(outcome unknown\): \d+/, 30_000);
      cli.type('/quit');
      expect((await exitWithin(cli, 20_000)) as unknown).toEqual({ code: 0, signal: null });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- output ---\n${cli.output()}`, { cause: error });
    } finally {
      process.kill(auditWriter, 'SIGCONT');
      cli.child.kill('SIGKILL');
    }
    const output = cli.output();
    expect(output).toMatch(/filesystem\.write_file: DENIED: the audit trail cannot be written/);
    const down =
      'denied because a part of IronCurtain was down: 1 (audit trail 1); may have run (outcome unknown): 0';
    expect(output).toContain(`tool calls in the transcript: 0 executed, 1 denied, 0 failed\r\n  · ${down}`);
    expect(output).toContain(`tool calls in this session: 0 executed, 1 denied, 0 failed\r\n  · ${down}`);
  }, 120_000);

  // Last: it ends the stack.
  it('attached to `up`, says the bus is lost and exits 1 when the stack’s nats-server is SIGKILLed', async () => {
    const task = 'Wait for me (attached).';
    const start = startCli(['start', task], environment);
    await askedFor(upstream, task);
    const state = await stackPids();
    process.kill(state.natsPid as number, 'SIGKILL');
    const exit = await exitWithin(start, 15_000);
    expect(exit, start.output()).toEqual({ code: 1, signal: null });
    expect(start.output()).toMatch(
      /ironcurtain: lost the connection to NATS at \S+: no reconnect within 10 s/,
    );
    expect(await exitWithin(up as CliProcess, 20_000)).toEqual({ code: 1, signal: null });
  }, 60_000);
});

describe('ironcurtain start with its own stack, when that nats-server is SIGKILLed', () => {
  let home: string;
  let upstream: FakeLlmServer;
  let model: ReturnType<typeof createScriptedModel>;
  let environment: Record<string, string>;
  let start: CliProcess | undefined;
  const startedPids = new Set<number>();

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-faults-own-'));
    model = createScriptedModel();
    ({ upstream, environment } = await startFakeUpstream(home, (request) => model.respond(request.body)));
  });
  afterAll(async () => {
    model?.releaseAll();
    await killLeftovers(start, startedPids);
    await upstream?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('says so within 15 s naming nats-server and its log, exits 1, and leaves no process behind', async () => {
    const task = 'Wait for me (own stack).';
    start = startCli(['start', task], environment);
    await askedFor(upstream, task);
    const state = await readStackFile(join(home, '.ironcurtain'));
    if (state?.natsPid === null || state === undefined) throw new Error(`no stack.json: ${start.output()}`);
    expect(state.supervisorPid).toBe(start.child.pid);
    for (const pid of [...pidsOf(state), ...(await descendantsOf(start.child.pid as number))])
      startedPids.add(pid);
    expect(startedPids.size).toBeGreaterThanOrEqual(8); // nats-server and the seven services, at least

    process.kill(state.natsPid, 'SIGKILL');
    const exit = await exitWithin(start, 15_000);
    expect(exit, start.output()).toEqual({ code: 1, signal: null });
    expect(start.output()).toMatch(
      /ironcurtain: the stack's nats-server was killed by SIGKILL \(log: \S+\/logs\/nats-server\.log\)/,
    );
    for (const pid of startedPids) expect(await isRunning(pid), `PID ${pid} is still running`).toBe(false);
    expect(await readStackFile(join(home, '.ironcurtain'))).toBeUndefined();
  }, 120_000);
});
