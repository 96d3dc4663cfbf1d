// The session-orchestrator service on a real nats-server, hosting sessions of the built-in scripted model. Its edges
// are small responders on the bus: the gateway's catalog and the PDP's pdp.toolcall.v1 (the whole stack behind them
// is covered by services/cli/test/start-session, demo and session-lifecycle).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, getJson, openKeyValue, request, serve, subscribe, type Bus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import {
  McpgwCatalog,
  PdpToolCall,
  SessionBudget,
  SessionList,
  SessionOutputEvent,
  SessionSend,
  SessionStart,
  SessionStatusEvent,
  SessionStop,
  type ParsedRequestOf,
  type PayloadOf,
} from '@ironcurtain/proto-schemas';
import type { RunningService } from '@ironcurtain/runtime';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { loadConfig } from '../src/config.js';
import { SessionRecord, sessionsBucket } from '../src/domain/session-record.js';
import { createSessionOrchestratorService } from '../src/service.js';

const objectSchema = { type: 'object', properties: {}, additionalProperties: true };
const catalog = {
  servers: [
    {
      name: 'filesystem',
      status: 'up' as const,
      sandboxed: true,
      tools: ['write_file', 'read_text_file'].map((name) => ({ name, inputSchema: objectSchema })),
    },
    {
      name: 'git',
      status: 'up' as const,
      sandboxed: true,
      tools: ['git_init', 'git_add', 'git_commit', 'git_remote', 'git_push'].map((name) => ({
        name,
        inputSchema: objectSchema,
      })),
    },
  ],
};

describe('session-orchestrator', () => {
  let nats: NatsServerHandle;
  let home: string;
  let serviceBus: Bus;
  let client: Bus;
  let service: RunningService;
  const toolCalls: ParsedRequestOf<typeof PdpToolCall>[] = [];
  const statuses: PayloadOf<typeof SessionStatusEvent>[] = [];
  const outputs: PayloadOf<typeof SessionOutputEvent>[] = [];

  beforeAll(async () => {
    nats = await startNats();
    home = await mkdtemp(join(tmpdir(), 'orchestrator-test-'));
    client = await connectBus({ url: nats.url, name: 'test-client' });
    await serve(client, McpgwCatalog, () => Promise.resolve(catalog));
    await serve(client, PdpToolCall, (call) => {
      toolCalls.push(call);
      const isSecret = JSON.stringify(call.arguments).includes('.ssh');
      return Promise.resolve({
        callId: call.callId,
        outcome: isSecret ? ('denied' as const) : ('executed' as const),
        decision: isSecret
          ? { decision: 'deny' as const, rule: 'default-deny', reason: 'no rule' }
          : { decision: 'allow' as const, rule: 'structural-sandbox-allow', reason: 'sandbox' },
        message: isSecret ? 'DENIED: no rule' : 'ok',
        ...(isSecret ? {} : { content: [{ type: 'text', text: `${call.toolName} ok` }] }),
      });
    });
    subscribe(client, SessionStatusEvent, (event) => void statuses.push(event));
    subscribe(client, SessionOutputEvent, (event) => void outputs.push(event));
    await client.connection.flush();
    serviceBus = await connectBus({ url: nats.url, name: 'session-orchestrator' });
    const config = loadConfig({
      NATS_URL: nats.url,
      IRONCURTAIN_HOME: home,
      ORCH_DEFAULT_MODEL: 'demo:scripted',
      ORCH_TOOLCALL_TIMEOUT_MS: '2000',
    });
    service = createSessionOrchestratorService({ bus: serviceBus, config, logger: silentLogger() });
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
    await serviceBus?.close();
    await client?.close();
    await nats?.stop();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  const turnEnd = (sessionId: string, turn: number) =>
    eventually(`turn ${turn} of ${sessionId}`, () =>
      statuses.find((event) => event.sessionId === sessionId && event.turn === turn && event.turnOutcome),
    );

  it('runs a task: tool calls carry the session and the user message; record, conversation and transcript kept', async () => {
    const started = await request(client, SessionStart, {
      task: 'Show the demo.',
      agent: 'builtin',
      userId: 'ada',
    });
    expect(started.status).toBe('waiting');
    const end = await turnEnd(started.sessionId, 1);
    expect(end).toMatchObject({ status: 'waiting', turnOutcome: 'completed' });
    const ours = toolCalls.filter((call) => call.sessionId === started.sessionId);
    expect(ours.map((call) => `${call.serverName}.${call.toolName}`)).toEqual([
      'filesystem.write_file',
      'filesystem.read_text_file',
      'filesystem.read_text_file',
      'git.git_init',
      'git.git_add',
      'git.git_commit',
      'git.git_remote',
      'git.git_push',
    ]);
    expect(ours.every((call) => call.userMessage === 'Show the demo.' && call.userId === 'ada')).toBe(true);
    const notes = outputs.filter((event) => event.sessionId === started.sessionId).map((event) => event.text);
    expect(notes).toContain('filesystem.read_text_file: DENIED: no rule');

    const kv = await openKeyValue(client, sessionsBucket);
    const record = (await getJson(kv, started.sessionId, SessionRecord))?.value;
    expect(record).toMatchObject({ status: 'waiting', turn: 1, model: 'demo:scripted', userId: 'ada' });
    expect(record?.budgetUsage?.steps).toBe(4);
    const directory = join(home, 'sessions', started.sessionId);
    const conversation = JSON.parse(
      await readFile(join(directory, 'conversation.json'), 'utf8'),
    ) as unknown[];
    expect(conversation.length).toBeGreaterThanOrEqual(8); // the user message, 4 assistant steps, 3 tool results
    const transcript = (await readFile(join(directory, 'transcript.jsonl'), 'utf8')).trim().split('\n');
    expect(transcript.map((line) => (JSON.parse(line) as { kind: string }).kind)).toContain('assistant');
  });

  it('takes a second message, reports its budget, lists and stops the session', async () => {
    const { sessionId } = await request(client, SessionStart, { agent: 'builtin' });
    const sent = await request(client, SessionSend, { sessionId, message: 'Again, please.' });
    expect(sent).toEqual({ isAccepted: true, turn: 1 });
    await turnEnd(sessionId, 1);
    const budget = await request(client, SessionBudget, { sessionId });
    expect(budget.session.steps).toEqual({ used: 4, limit: 200 });
    expect(budget.session.tokens.used).toBeGreaterThan(0);
    const listed = await request(client, SessionList, {});
    expect(listed.sessions.map((session) => session.sessionId)).toContain(sessionId);
    const stopped = await request(client, SessionStop, { sessionId, reason: 'test over' });
    expect(stopped.status).toBe('stopped');
    await expect(request(client, SessionSend, { sessionId, message: 'more' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const resumed = await request(client, SessionStart, { agent: 'builtin', resumeSessionId: sessionId });
    expect(resumed).toEqual({ sessionId, status: 'waiting' });
  });

  it('refuses unknown sessions to resume and agents it cannot host', async () => {
    await expect(
      request(client, SessionStart, { agent: 'builtin', resumeSessionId: 'no-such-session' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(request(client, SessionStart, { agent: 'claude-code' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});

describe('session-orchestrator without a policy service', () => {
  it('denies every tool call (fail closed) and the agent reads why', async () => {
    const nats = await startNats();
    const home = await mkdtemp(join(tmpdir(), 'orchestrator-nopdp-'));
    const client = await connectBus({ url: nats.url, name: 'test-client' });
    const serviceBus = await connectBus({ url: nats.url, name: 'session-orchestrator' });
    const outputs: string[] = [];
    const statuses: PayloadOf<typeof SessionStatusEvent>[] = [];
    await serve(client, McpgwCatalog, () => Promise.resolve(catalog));
    subscribe(client, SessionOutputEvent, (event) => void outputs.push(event.text));
    subscribe(client, SessionStatusEvent, (event) => void statuses.push(event));
    const config = loadConfig({
      NATS_URL: nats.url,
      IRONCURTAIN_HOME: home,
      ORCH_DEFAULT_MODEL: 'demo:scripted',
    });
    const service = createSessionOrchestratorService({ bus: serviceBus, config, logger: silentLogger() });
    try {
      await service.start();
      const { sessionId } = await request(client, SessionStart, { task: 'Try.', agent: 'builtin' });
      await eventually('the turn to end', () =>
        statuses.find((event) => event.sessionId === sessionId && event.turnOutcome),
      );
      const denials = outputs.filter((text) =>
        text.includes('DENIED: the policy service did not answer (NO_RESPONDERS)'),
      );
      expect(denials.length).toBeGreaterThanOrEqual(3);
      expect(outputs.some((text) => text.endsWith(': allowed'))).toBe(false);
      // Nothing ran, so nothing was written in the sandbox.
      await expect(readFile(join(home, 'sessions', sessionId, 'sandbox', 'hello.md'))).rejects.toThrow();
    } finally {
      await service.stop();
      await serviceBus.close();
      await client.close();
      await nats.stop();
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('session-orchestrator with a per-turn budget', () => {
  it('ends a turn at its step limit and keeps the session for the next message', async () => {
    const nats = await startNats();
    const home = await mkdtemp(join(tmpdir(), 'orchestrator-turn-'));
    const client = await connectBus({ url: nats.url, name: 'test-client' });
    const serviceBus = await connectBus({ url: nats.url, name: 'session-orchestrator' });
    const statuses: PayloadOf<typeof SessionStatusEvent>[] = [];
    await serve(client, McpgwCatalog, () => Promise.resolve(catalog));
    await serve(client, PdpToolCall, (call) =>
      Promise.resolve({
        callId: call.callId,
        outcome: 'executed' as const,
        decision: { decision: 'allow' as const, rule: 'structural-sandbox-allow', reason: 'sandbox' },
        message: 'ok',
        content: [{ type: 'text', text: 'ok' }],
      }),
    );
    subscribe(client, SessionStatusEvent, (event) => void statuses.push(event));
    const config = loadConfig({
      NATS_URL: nats.url,
      IRONCURTAIN_HOME: home,
      ORCH_DEFAULT_MODEL: 'demo:scripted',
      ORCH_TURN_BUDGET_STEPS: '2',
    });
    const service = createSessionOrchestratorService({ bus: serviceBus, config, logger: silentLogger() });
    try {
      await service.start();
      const { sessionId } = await request(client, SessionStart, { task: 'Go.', agent: 'builtin' });
      const ended = (turn: number) =>
        eventually(`turn ${turn}`, () =>
          statuses.find((event) => event.sessionId === sessionId && event.turn === turn && event.turnOutcome),
        );
      expect(await ended(1)).toMatchObject({ status: 'waiting', turnOutcome: 'budget-exhausted' });
      expect((await ended(1)).reason).toMatch(/turn steps budget is exhausted: 2 steps used of 2 steps/);
      await request(client, SessionSend, { sessionId, message: 'Go on.' });
      expect(await ended(2)).toMatchObject({ status: 'waiting', turnOutcome: 'budget-exhausted' });
      const budget = await request(client, SessionBudget, { sessionId });
      expect(budget.session.steps.used).toBe(4);
      expect(budget.turn.steps).toEqual({ used: 2, limit: 2 });
    } finally {
      await service.stop();
      await serviceBus.close();
      await client.close();
      await nats.stop();
      await rm(home, { recursive: true, force: true });
    }
  });
});
