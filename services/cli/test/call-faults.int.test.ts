// Issue 20 on the real stack (`ironcurtain up`: real nats-server, the seven services as processes under the
// supervisor, the real filesystem MCP server), a scripted model through the egress: a PDP or a gateway SIGKILLed
// with a call in flight never hangs the call, the agent is told the truth within 10 s, and no call runs twice. The
// call in flight is deterministic: read_text_file of a FIFO in the workspace blocks until the test writes to it.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type FakeLlmReply, type FakeLlmServer } from '@ironcurtain/testing';
import { lastUserText, startFakeUpstream, toolResultsSinceUser } from './session-fixture.js';
import { killLeftovers, pidsOf, readStackFile, startCli, type CliProcess } from './stack-process.js';

/** When the model first saw each marker in a request (the agent's answer reaching it). */
const seenAt = new Map<string, number>();
const markers = ['pipe-content-A', 'may have run'];
/** When each request of the busy session reached the model. */
const busyRequestTimes: number[] = [];

function scriptedReply(body: unknown): FakeLlmReply {
  const text = JSON.stringify(body);
  for (const marker of markers)
    if (text.includes(marker) && !seenAt.has(marker)) seenAt.set(marker, Date.now());
  const task = lastUserText(body);
  const step = toolResultsSinceUser(body);
  const run = (code: string): FakeLlmReply => ({ toolCalls: [{ name: 'execute_code', input: { code } }] });
  if (task.startsWith('Read the pipe')) {
    return step === 0 ? run("return filesystem.read_text_file({ path: 'pipe' });") : { text: 'Done.' };
  }
  if (task.startsWith('Write many files')) {
    busyRequestTimes.push(Date.now());
    if (step >= busyCalls) return { text: 'All written.' };
    return run(
      `filesystem.write_file({ path: 'n-${step}.txt', content: '${step}' }); return 'wrote ${step}';`,
    );
  }
  return { text: `no script for ${JSON.stringify(task)}` };
}

const busyCalls = 30;

describe('tool calls when a PDP or a gateway dies mid-call', () => {
  let home: string;
  let stackHome: string;
  let upstream: FakeLlmServer;
  let environment: Record<string, string>;
  let up: CliProcess | undefined;
  const seenPids = new Set<number>();

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-call-faults-'));
    stackHome = join(home, '.ironcurtain');
    ({ upstream, environment } = await startFakeUpstream(home, (request) => scriptedReply(request.body), {
      ORCH_BUDGET_STEPS: '100',
    }));
    up = startCli(['up'], environment);
    await up.waitForOutput(/IronCurtain is up/, 60_000);
  }, 90_000);
  afterAll(async () => {
    const state = await readStackFile(stackHome);
    for (const pid of state === undefined ? [] : pidsOf(state)) seenPids.add(pid);
    await killLeftovers(up, seenPids);
    await upstream?.close();
    await rm(home, { recursive: true, force: true });
  });

  /** SIGKILLs one service of the stack and returns when; the supervisor restarts it. */
  async function kill(service: string): Promise<number> {
    const state = await readStackFile(stackHome);
    const pid = state?.services[service];
    if (typeof pid !== 'number') throw new Error(`${service} is not running`);
    seenPids.add(pid);
    process.kill(pid, 'SIGKILL');
    return Date.now();
  }

  /** How often the supervisor has restarted a service so far. */
  function restartsOf(service: string): number {
    return (up?.output() ?? '').split(`restarted ${service} `).length - 1;
  }

  /** A workspace holding the FIFO `pipe`. */
  async function workspaceWithPipe(): Promise<{ workspace: string; fifo: string }> {
    const workspace = await mkdtemp(join(home, 'workspace-'));
    const fifo = join(workspace, 'pipe');
    execFileSync('mkfifo', [fifo]);
    return { workspace, fifo };
  }

  /** The records of a tool in a session's trail, by kind. */
  async function trailOf(sessionId: string, toolName: string) {
    const text = await readFile(join(stackHome, 'sessions', sessionId, 'audit.jsonl'), 'utf8');
    const records = text
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { kind: string; toolName: string; requestId: string; result?: unknown },
      )
      .filter((record) => record.toolName === toolName);
    return {
      decisions: records.filter((record) => record.kind === 'decision'),
      outcomes: records.filter((record) => record.kind === 'outcome'),
    };
  }

  /** How often the gateway ran each call id (its log says so once per execution, across restarts). */
  async function executionsPerCall(): Promise<Map<string, number>> {
    const log = await readFile(join(stackHome, 'logs', 'mcp-gateway.log'), 'utf8');
    const counts = new Map<string, number>();
    for (const line of log.split('\n')) {
      if (!line.includes('"tool call executed"')) continue;
      const { callId } = JSON.parse(line) as { callId: string };
      counts.set(callId, (counts.get(callId) ?? 0) + 1);
    }
    return counts;
  }

  it('PDP SIGKILLed while the gateway runs the call: the agent gets the real result within 10 s; it ran once', async () => {
    const { workspace, fifo } = await workspaceWithPipe();
    const start = startCli(['start', '--workspace', workspace, 'Read the pipe A.'], environment);
    const writer = await waitForReader(fifo);
    const killedAt = await kill('policy-decision-point');
    // The call completes in the gateway while no PDP is alive; its reply to the dead PDP is lost.
    writeSync(writer, 'pipe-content-A');
    closeSync(writer);
    const answeredAt = await eventually(
      'the model to get the result',
      () => seenAt.get('pipe-content-A'),
      20_000,
    );
    expect(answeredAt - killedAt).toBeLessThan(10_000);
    const { code } = await start.exited;
    expect(code, start.output()).toBe(0);
    const sessionId = /session (\S+) —/.exec(start.output())?.[1] ?? '';
    // Ran once: nobody reads the pipe again, one decision and one outcome, one execution in the gateway.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(isReaderWaiting(fifo)).toBe(false);
    const trail = await trailOf(sessionId, 'read_text_file');
    expect(trail.decisions).toHaveLength(1);
    expect(trail.outcomes).toEqual([expect.objectContaining({ result: { status: 'success' } })]);
    const callId = trail.decisions[0]?.requestId ?? '';
    expect((await executionsPerCall()).get(callId)).toBe(1);
    await eventually('the PDP restarted', () => restartsOf('policy-decision-point') === 1, 30_000);
  }, 60_000);

  it('gateway SIGKILLed during execute: within 10 s the agent is told the call may have run, and it is recorded', async () => {
    const { workspace, fifo } = await workspaceWithPipe();
    const start = startCli(['start', '--workspace', workspace, 'Read the pipe B.'], environment);
    const writer = await waitForReader(fifo);
    const killedAt = await kill('mcp-gateway');
    const answeredAt = await eventually('the model to be told', () => seenAt.get('may have run'), 20_000);
    closeSync(writer); // lets a server the gateway left behind finish its read
    expect(answeredAt - killedAt).toBeLessThan(10_000);
    const { code } = await start.exited;
    expect(code, start.output()).toBe(0);
    expect(start.output()).toMatch(/filesystem\.read_text_file: UNKNOWN: .*may have run/);
    const sessionId = /session (\S+) —/.exec(start.output())?.[1] ?? '';
    const trail = await trailOf(sessionId, 'read_text_file');
    expect(trail.decisions).toHaveLength(1);
    expect(trail.outcomes).toEqual([
      expect.objectContaining({
        result: { status: 'error', error: expect.stringMatching(/^outcome unknown: /) },
      }),
    ]);
    await eventually('the gateway restarted', () => restartsOf('mcp-gateway') === 1, 30_000);
  }, 60_000);

  it('a busy session through two PDP kills: every call answered, none hangs, none runs twice', async () => {
    const workspace = await mkdtemp(join(home, 'busy-'));
    const requestsBefore = upstream.requests.length;
    const start = startCli(['start', '--workspace', workspace, 'Write many files.'], environment);
    for (const after of [8, 18]) {
      await eventually(`${after} steps`, () => upstream.requests.length - requestsBefore >= after, 60_000);
      const restarts = restartsOf('policy-decision-point');
      await kill('policy-decision-point');
      await eventually('the PDP restarted', () => restartsOf('policy-decision-point') > restarts, 30_000);
    }
    const { code } = await start.exited;
    expect(code, start.output()).toBe(0);
    const sessionId = /session (\S+) —/.exec(start.output())?.[1] ?? '';
    const trail = await trailOf(sessionId, 'write_file');
    const counts = await executionsPerCall();
    const ranTwice = trail.decisions.filter((decision) => (counts.get(decision.requestId) ?? 0) > 1);
    expect(ranTwice).toEqual([]);
    // Every step of the model got an answer (a result or an honest failure), and the session finished.
    expect(start.output()).toContain('All written.');
    expect(trail.decisions.length).toBeGreaterThanOrEqual(busyCalls);
    const gaps = busyRequestTimes.slice(1).map((time, index) => time - (busyRequestTimes[index] ?? time));
    expect(Math.max(...gaps)).toBeLessThan(10_000);
  }, 180_000);
});

/** Waits until a reader blocks on the FIFO (the gateway is inside the call); returns a write end held open. */
async function waitForReader(fifo: string): Promise<number> {
  return eventually(
    `a reader on ${fifo}`,
    () => {
      try {
        return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch {
        return undefined; // ENXIO: nobody reads it yet
      }
    },
    30_000,
  );
}

function isReaderWaiting(fifo: string): boolean {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}
