// The session-orchestrator service on a real nats-server, hosting sessions of the built-in scripted model. Its edges
// are small responders on the bus (orchestrator-world.ts); the whole stack behind them is covered by
// services/cli/test/start-session, demo and session-lifecycle.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, openKeyValue, request } from '@ironcurtain/bus';
import {
  SessionBudget,
  SessionList,
  SessionSend,
  SessionStart,
  SessionStop,
} from '@ironcurtain/proto-schemas';
import { eventually } from '@ironcurtain/testing';
import { SessionRecord, sessionsBucket } from '../src/domain/session-record.js';
import { executed, startOrchestratorWorld, type OrchestratorWorld } from './orchestrator-world.js';

const turnEnd = (world: OrchestratorWorld, sessionId: string, turn: number) =>
  eventually(`turn ${turn} of ${sessionId}`, () =>
    world.statuses.find((event) => event.sessionId === sessionId && event.turn === turn && event.turnOutcome),
  );

describe('session-orchestrator', () => {
  let world: OrchestratorWorld;
  beforeAll(async () => {
    world = await startOrchestratorWorld({
      env: { ORCH_TOOLCALL_TIMEOUT_MS: '2000' },
      answerToolCall: (call) =>
        JSON.stringify(call.arguments).includes('.ssh')
          ? {
              callId: call.callId,
              outcome: 'denied',
              decision: { decision: 'deny', rule: 'default-deny', reason: 'no rule' },
              message: 'DENIED: no rule',
            }
          : executed(call),
    });
  });
  afterAll(async () => world?.stop());

  it('runs a task: tool calls carry the session, its owner and the user message; record, conversation and transcript kept', async () => {
    const { client } = world;
    // The owner is who asks (the subject), here the member ada.
    const ada = await world.connectAs({ name: 'ada', role: 'member' });
    const started = await request(ada, SessionStart, { task: 'Show the demo.', agent: 'builtin' });
    expect(started.status).toBe('waiting');
    expect(await turnEnd(world, started.sessionId, 1)).toMatchObject({
      status: 'waiting',
      turnOutcome: 'completed',
    });
    const ours = world.toolCalls.filter((call) => call.sessionId === started.sessionId);
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
    const notes = world.outputs
      .filter((event) => event.sessionId === started.sessionId)
      .map((event) => event.text);
    expect(notes).toContain('filesystem.read_text_file: DENIED: no rule');

    const kv = await openKeyValue(client, sessionsBucket);
    const record = (await getJson(kv, started.sessionId, SessionRecord))?.value;
    expect(record).toMatchObject({ status: 'waiting', turn: 1, model: 'demo:scripted', userId: 'ada' });
    expect(record?.budgetUsage?.steps).toBe(4);
    const directory = join(world.home, 'sessions', started.sessionId);
    const conversation = JSON.parse(
      await readFile(join(directory, 'conversation.json'), 'utf8'),
    ) as unknown[];
    expect(conversation.length).toBeGreaterThanOrEqual(8); // the user message, 4 assistant steps, 3 tool results
    const transcript = (await readFile(join(directory, 'transcript.jsonl'), 'utf8')).trim().split('\n');
    expect(transcript.map((line) => (JSON.parse(line) as { kind: string }).kind)).toContain('assistant');
    // Each step's words are published before its code, and the transcript keeps that order.
    const stepsOf = (entries: ReadonlyArray<{ kind: string; text: string }>) =>
      entries.flatMap(({ kind, text }) =>
        kind === 'assistant'
          ? [`said: ${text.slice(0, 12)}`]
          : text.startsWith('running code (')
            ? ['code']
            : [],
      );
    const published = stepsOf(world.outputs.filter((event) => event.sessionId === started.sessionId));
    expect(published).toEqual([
      'said: First I writ',
      'code',
      'said: Now somethin',
      'code',
      'said: Next I commi',
      'code',
      'said: Done. I wrot',
    ]);
    expect(stepsOf(transcript.map((line) => JSON.parse(line) as { kind: string; text: string }))).toEqual(
      published,
    );
  });

  it('takes a second message, reports its budget, lists and stops the session', async () => {
    const { client } = world;
    const { sessionId } = await request(client, SessionStart, { agent: 'builtin' });
    const sent = await request(client, SessionSend, { sessionId, message: 'Again, please.' });
    expect(sent).toEqual({ isAccepted: true, turn: 1 });
    await turnEnd(world, sessionId, 1);
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
    expect(resumed).toEqual({ sessionId, status: 'waiting', agent: 'builtin' });
  });

  it('refuses unknown sessions to resume and agents it cannot host', async () => {
    const { client } = world;
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
    // No policy service comes back: each call is tried again for half a second (a restart takes about that), then denied.
    const world = await startOrchestratorWorld({ env: { ORCH_TOOLCALL_RETRY_WINDOW_MS: '500' } });
    try {
      const { sessionId } = await request(world.client, SessionStart, { task: 'Try.', agent: 'builtin' });
      await eventually('the turn to end', () =>
        world.statuses.find((event) => event.sessionId === sessionId && event.turnOutcome),
      );
      const texts = world.outputs.map((event) => event.text);
      const denials = texts.filter((text) =>
        text.includes('DENIED: the policy service did not answer (NO_RESPONDERS)'),
      );
      expect(denials.length).toBeGreaterThanOrEqual(3);
      expect(texts.some((text) => text.endsWith(': allowed'))).toBe(false);
      // Each call's note says the policy service was down, on the event and in the transcript, for /logs to count.
      const calls = world.outputs.flatMap((event) => (event.toolCall === undefined ? [] : [event.toolCall]));
      expect(calls.length).toBeGreaterThanOrEqual(3);
      for (const call of calls)
        expect(call).toMatchObject({ outcome: 'denied', unavailable: 'policy service' });
      const transcript = await readFile(join(world.home, 'sessions', sessionId, 'transcript.jsonl'), 'utf8');
      const recorded = transcript
        .trim()
        .split('\n')
        .flatMap((line) => (JSON.parse(line) as { toolCall?: unknown }).toolCall ?? []);
      expect(recorded).toEqual(calls);
      // Nothing ran, so nothing was written in the sandbox.
      await expect(
        readFile(join(world.home, 'sessions', sessionId, 'sandbox', 'hello.md')),
      ).rejects.toThrow();
    } finally {
      await world.stop();
    }
  });
});

describe('session-orchestrator with a per-turn budget', () => {
  it('ends a turn at its step limit and keeps the session for the next message', async () => {
    const world = await startOrchestratorWorld({
      env: { ORCH_TURN_BUDGET_STEPS: '2' },
      answerToolCall: (call) => executed(call),
    });
    try {
      const { client } = world;
      const { sessionId } = await request(client, SessionStart, { task: 'Go.', agent: 'builtin' });
      const first = await turnEnd(world, sessionId, 1);
      expect(first).toMatchObject({ status: 'waiting', turnOutcome: 'budget-exhausted' });
      expect(first.reason).toMatch(/turn steps budget is exhausted: 2 steps used of 2 steps/);
      await request(client, SessionSend, { sessionId, message: 'Go on.' });
      expect(await turnEnd(world, sessionId, 2)).toMatchObject({
        status: 'waiting',
        turnOutcome: 'budget-exhausted',
      });
      const budget = await request(client, SessionBudget, { sessionId });
      expect(budget.session.steps.used).toBe(4);
      expect(budget.turn.steps).toEqual({ used: 2, limit: 2 });
    } finally {
      await world.stop();
    }
  });
});
