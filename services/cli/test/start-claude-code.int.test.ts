// `ironcurtain start --agent claude-code "task"` end to end: the real Claude Code CLI (from npm, in its image built
// from deploy/agents against the stand-in node:24-bookworm-slim) runs in a network-less container as uid 4321. Its
// LLM traffic leaves through the session's egress socket to mitm-egress (sentinel swapped for the real key) and on
// to a fake Anthropic API; its tools are IronCurtain's MCP tools on the session's MCP socket, each call one
// pdp.toolcall.v1 through the real PDP, gateway and filesystem/git MCP servers. An escalated git_push is denied
// through escalation.resolve.v1, as a listener or phone would.
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAgentImage } from '@ironcurtain/agent-images';
import { connectBus, request, subscribe, type Bus } from '@ironcurtain/bus';
import { checkEngine, createDockerEngine } from '@ironcurtain/docker-engine';
import { connectionNameOf, EscalationOpenedEvent, EscalationResolve } from '@ironcurtain/proto-schemas';
import {
  eventually,
  ensureStandInNodeImage,
  type FakeLlmReply,
  type FakeLlmServer,
} from '@ironcurtain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realAnthropicKey, startFakeUpstream } from './session-fixture.js';
import { readStackFile, runCli, startCli, startCliInTerminal } from './stack-process.js';

const calls: ReadonlyArray<{ name: string; input: Record<string, unknown> }> = [
  {
    name: 'filesystem__write_file',
    input: { path: '/workspace/notes.md', content: '# notes from claude\n' },
  },
  { name: 'filesystem__read_text_file', input: { path: '/workspace/notes.md' } },
  { name: 'filesystem__read_text_file', input: { path: '/etc/passwd' } },
  {
    name: 'git__git_push',
    input: { path: '/workspace', remote: 'https://github.com/example/notes.git', branch: 'main' },
  },
];

// Claude Code's main loop carries the MCP tools; its side requests (titles, topic checks) do not.
function scriptedReply(body: Record<string, unknown> | undefined): FakeLlmReply {
  const tools = JSON.stringify(body?.['tools'] ?? []);
  if (!tools.includes('mcp__ironcurtain__filesystem__write_file')) return { text: 'Notes' };
  const done = (JSON.stringify(body?.['messages'] ?? []).match(/"tool_result"/g) ?? []).length;
  const call = calls[done];
  if (call === undefined) return { text: 'Wrote and read the notes; /etc/passwd and the push were refused.' };
  return { toolCalls: [{ name: `mcp__ironcurtain__${call.name}`, input: call.input }] };
}

describe('ironcurtain start --agent claude-code', () => {
  let home: string;
  let anthropic: FakeLlmServer;
  let environment: Record<string, string>;
  let respond: (body: Record<string, unknown> | undefined) => FakeLlmReply | Promise<FakeLlmReply> =
    scriptedReply;

  beforeAll(async () => {
    const engine = createDockerEngine(process.env['DOCKER_HOST']);
    const reason = await checkEngine(engine, 'this test');
    if (reason !== undefined)
      throw new Error(`a Docker engine is needed (scripts/setup starts one): ${reason}`);
    await ensureStandInNodeImage(engine);
    await ensureAgentImage(engine, 'claude-code');
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-claude-'));
    ({ upstream: anthropic, environment } = await startFakeUpstream(home, (request) =>
      respond(request.body as Record<string, unknown> | undefined),
    ));
    environment['ORCH_AGENT_USER'] = '4321:4321';
  }, 900_000);
  afterAll(async () => {
    await anthropic?.close();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it('does the task through MCP tools: allowed, denied, and an escalation denied by resolve', async () => {
    const start = startCli(['start', '--agent', 'claude-code', 'Take notes in notes.md'], environment);
    const ironcurtainHome = environment['IRONCURTAIN_HOME'] ?? home;
    let bus: Bus | undefined;
    try {
      const stack = await eventually(
        'the stack file',
        async () => {
          const state = await readStackFile(ironcurtainHome);
          return state?.natsUrl != null && state.cliCredentials !== null ? state : undefined;
        },
        120_000,
      );
      bus = await connectBus({
        url: stack.natsUrl ?? '',
        name: connectionNameOf('cli'),
        ...stack.cliCredentials,
      });
      const client = bus;
      const answered: string[] = [];
      subscribe(client, EscalationOpenedEvent, ({ ticket }) => {
        answered.push(`${ticket.serverName}.${ticket.toolName}`);
        void request(client, EscalationResolve, {
          ticketId: ticket.id,
          decision: 'denied',
          approver: 'test-listener',
          channel: 'test',
        });
      });
      const { code } = await start.exited;
      const output = start.output();
      expect(code, output).toBe(0);
      expect(answered).toEqual(['git.git_push']);
      expect(output).toContain('filesystem.write_file: allowed');
      expect(output).toMatch(/filesystem\.read_text_file: DENIED: /);
      expect(output).toMatch(/git\.git_push: ESCALATION DENIED/);
      expect(output).toContain('Wrote and read the notes');

      // The denial reached Claude Code as a tool error it passed on to the model.
      const last = JSON.stringify(anthropic.requests.at(-1)?.body);
      expect(last).toMatch(/"is_error":true/);
      expect(last).toContain('DENIED');
      expect(last).toContain('# notes from claude'); // the read came back, path mapped to /workspace
      for (const received of anthropic.requests) expect(received.headers['x-api-key']).toBe(realAnthropicKey);

      const sessionsDirectory = join(ironcurtainHome, 'sessions');
      const [sessionId] = await readdir(sessionsDirectory);
      const sessionDirectory = join(sessionsDirectory, sessionId ?? '');
      const notes = join(sessionDirectory, 'sandbox', 'notes.md');
      expect(await readFile(notes, 'utf8')).toBe('# notes from claude\n');
      // Every tool call has a decision record.
      const audit = (await readFile(join(sessionDirectory, 'audit.jsonl'), 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { kind: string; toolName?: string });
      const decided = audit.filter((record) => record.kind === 'decision').map((record) => record.toolName);
      expect(decided.sort()).toEqual(calls.map((call) => call.name.split('__')[1]).sort());
      const verify = await runCli(['audit', 'verify'], environment);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      // Nothing left behind: no container of the session, no socket folder.
      const engine = createDockerEngine(process.env['DOCKER_HOST']);
      const left = await engine.client.listContainers({
        all: true,
        filters: { label: [`ironcurtain.session=${sessionId}`] },
      });
      expect(left).toEqual([]);
      await expect(stat(join(sessionDirectory, 'run'))).rejects.toThrow();
    } finally {
      await bus?.close();
      start.child.kill('SIGTERM');
      await start.exited;
    }
  }, 300_000);

  it('ends the session as failed with the reason when the container is killed mid-task, leaving nothing behind', async () => {
    const engine = createDockerEngine(process.env['DOCKER_HOST']);
    let modelAsked: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => (modelAsked = resolve));
    // The model never answers the main loop: the agent is mid-task when its container is killed.
    respond = (body) => {
      if (!JSON.stringify(body?.['tools'] ?? []).includes('mcp__ironcurtain__')) return { text: 'Notes' };
      modelAsked();
      return new Promise<FakeLlmReply>(() => undefined);
    };
    const start = startCli(['start', '--agent', 'claude-code', 'Take more notes'], environment);
    try {
      await asked;
      const running = await engine.client.listContainers({
        filters: { label: ['ironcurtain.role=agent-session'], status: ['running'] },
      });
      expect(running).toHaveLength(1);
      const sessionId = running[0]?.Labels['ironcurtain.session'] ?? '';
      await engine.client.getContainer(running[0]?.Id ?? '').kill();
      const { code } = await start.exited;
      const output = start.output();
      expect(code, output).toBe(1);
      expect(output).toContain('the Claude Code container was killed (exit code 137)');
      const sessionDirectory = join(environment['IRONCURTAIN_HOME'] ?? home, 'sessions', sessionId);
      const left = await engine.client.listContainers({
        all: true,
        filters: { label: [`ironcurtain.session=${sessionId}`] },
      });
      expect(left).toEqual([]);
      await expect(stat(join(sessionDirectory, 'run'))).rejects.toThrow();
    } finally {
      respond = scriptedReply;
      start.child.kill('SIGTERM');
      await start.exited;
    }
  }, 300_000);

  it("resumes Claude Code's own conversation in a fresh container for the next message", async () => {
    respond = (body) => {
      if (!JSON.stringify(body?.['tools'] ?? []).includes('mcp__ironcurtain__')) return { text: 'Notes' };
      return {
        text: `Answer ${(JSON.stringify(body?.['messages'] ?? []).match(/Question \d/g) ?? []).join(' + ')}`,
      };
    };
    const cli = startCliInTerminal(['start', '--agent', 'claude-code'], { ...environment, TERM: 'dumb' });
    try {
      await cli.waitForCount(/session \S+ — sandbox:/, 1, 120_000);
      cli.type('Question 1');
      await cli.waitForCount(/ready for your next message/, 1, 120_000);
      cli.type('Question 2');
      await cli.waitForCount(/ready for your next message/, 2, 120_000);
      cli.type('/quit');
      expect((await cli.exited).code).toBe(0);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- output ---\n${cli.output()}`, { cause: error });
    } finally {
      respond = scriptedReply;
      cli.child.kill('SIGKILL');
    }
    // The second run saw the first question and its answer: the conversation came from the agent-state folder.
    expect(cli.output()).toMatch(/agent › Answer Question 1\r?\n/);
    expect(cli.output()).toMatch(/agent › Answer Question 1 \+ .*Question 2/);
  }, 300_000);
});
