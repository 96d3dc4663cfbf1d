// The history a turn returns survives JSON and carries a conversation on (resume); provider errors and aborts end
// a turn with an outcome, never an exception.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelMessage } from 'ai';
import { createBudgetTracker, parseConversation, runTurn, type AgentEvent } from '@ironcurtain/agent';
import {
  catalog,
  createSandbox,
  providerKinds,
  requestText,
  runCode,
  startScriptedModel,
  type Sandbox,
  type ScriptedModel,
} from './agent-fixture.js';

let sandbox: Sandbox;
let scripted: ScriptedModel | undefined;
beforeEach(async () => {
  sandbox = await createSandbox({ 'plan.md': 'step one: tests' });
});
afterEach(async () => {
  await scripted?.server.close();
  scripted = undefined;
  await sandbox.dispose();
});

describe.each(providerKinds)('resume (%s)', (kind) => {
  it.each([true, false])(
    'a JSON round-tripped history continues the conversation (streaming %s)',
    async (isStreaming) => {
      scripted = await startScriptedModel(kind, (request, index) => {
        if (index === 0) return runCode(`filesystem.read_file({ path: 'plan.md' })`);
        if (index === 1) return { text: 'The plan starts with tests.' };
        // The resumed turn sees the earlier turn: the user's question, the code's result and the answer.
        const seen = requestText(request);
        const remembers = seen.includes('step one: tests') && seen.includes('The plan starts with tests.');
        return { text: remembers ? 'Yes, I remember: tests first.' : 'I have no memory of that.' };
      });
      const options = { model: scripted.model, runner: sandbox.runner(), catalog, isStreaming };
      const first = await runTurn({ ...options, messages: [], userMessage: 'What does plan.md say?' });
      expect(first.outcome).toBe('completed');

      const stored = JSON.stringify(first.messages);
      const restored = JSON.parse(stored) as ModelMessage[];
      expect(restored).toEqual(first.messages);

      const second = await runTurn({
        ...options,
        messages: restored,
        userMessage: 'Do you remember the plan?',
      });
      expect(second).toMatchObject({ outcome: 'completed', text: 'Yes, I remember: tests first.', steps: 1 });
      expect(second.messages.slice(0, restored.length)).toEqual(restored);
      expect(second.messages.slice(restored.length)).toMatchObject([
        { role: 'user', content: 'Do you remember the plan?' },
        { role: 'assistant' },
      ]);
      expect(JSON.parse(JSON.stringify(second.messages))).toEqual(second.messages);
    },
  );
});

it('a history from one provider continues on another (the session changed its model)', async () => {
  scripted = await startScriptedModel('anthropic', [
    runCode(`filesystem.read_file({ path: 'plan.md' })`),
    { text: 'Tests first.' },
  ]);
  const first = await runTurn({
    model: scripted.model,
    runner: sandbox.runner(),
    catalog,
    messages: [],
    userMessage: 'plan?',
  });
  await scripted.server.close();
  scripted = await startScriptedModel('openai', (request) => ({
    text: requestText(request).includes('step one: tests') ? 'Still tests first.' : 'No idea.',
  }));
  const second = await runTurn({
    model: scripted.model,
    runner: sandbox.runner(),
    catalog,
    messages: JSON.parse(JSON.stringify(first.messages)) as ModelMessage[],
    userMessage: 'and now?',
  });
  expect(second).toMatchObject({ outcome: 'completed', text: 'Still tests first.' });
});

it('parseConversation refuses a damaged transcript with SCHEMA_INVALID', () => {
  expect(() =>
    parseConversation([
      { role: 'user', content: 'ok' },
      { role: 'robot', content: 1 },
    ]),
  ).toThrow(
    expect.objectContaining({ code: 'SCHEMA_INVALID', message: expect.stringMatching(/messages\[1\]/) }),
  );
  expect(() => parseConversation({ messages: [] })).toThrow(/not a list of AI SDK model messages/);
});

describe.each(providerKinds)('provider errors (%s)', (kind) => {
  it.each([true, false])(
    'a 500 gives outcome failed with a readable message (streaming %s)',
    async (isStreaming) => {
      scripted = await startScriptedModel(kind, [{ error: { status: 500, message: 'upstream exploded' } }]);
      const history: ModelMessage[] = [
        { role: 'user', content: 'earlier' },
        { role: 'assistant', content: 'ok' },
      ];
      const turn = await runTurn({
        model: scripted.model,
        modelId: scripted.modelId,
        runner: sandbox.runner(),
        messages: history,
        userMessage: 'hello',
        isStreaming,
        maxRetries: 0,
      });
      expect(turn.outcome).toBe('failed');
      expect(turn.message).toBe(
        `The model provider answered HTTP 500 for ${scripted.modelId}: upstream exploded. The provider had a problem; try again in a moment.`,
      );
      expect(turn.failure).toMatchObject({ statusCode: 500, isRetryable: true });
      // The user message stays in the history, so the service can retry the turn from there.
      expect(turn.messages).toEqual([...history, { role: 'user', content: 'hello' }]);
    },
  );

  it('a wrong key (401) gives outcome failed and says to check the key', async () => {
    scripted = await startScriptedModel(kind, [{ text: 'unreachable' }], { apiKey: 'sk-fake-wrong-key' });
    const turn = await runTurn({
      model: scripted.model,
      runner: sandbox.runner(),
      messages: [],
      userMessage: 'hi',
    });
    expect(turn).toMatchObject({
      outcome: 'failed',
      steps: 1,
      failure: { statusCode: 401, isRetryable: false },
    });
    expect(turn.message).toMatch(/answered HTTP 401 .*Check the API key configured for this provider\./);
  });

  it('a retried failure says how many attempts were made', async () => {
    scripted = await startScriptedModel(kind, (_request, index) =>
      index < 1
        ? { error: { status: 503, message: 'overloaded' } }
        : { error: { status: 500, message: 'still down' } },
    );
    const turn = await runTurn({
      model: scripted.model,
      runner: sandbox.runner(),
      messages: [],
      userMessage: 'hi',
      maxRetries: 1,
      isStreaming: false,
    });
    expect(turn.outcome).toBe('failed');
    expect(turn.message).toMatch(/HTTP 500 .* after 2 attempts: still down/);
    expect(scripted.requests).toHaveLength(2);
  });
});

describe('abort', () => {
  it('an abort while code runs ends the turn as aborted with a consistent history', async () => {
    const controller = new AbortController();
    scripted = await startScriptedModel('anthropic', [
      runCode(`filesystem.read_file({ path: 'plan.md' })`),
      runCode(`while (true) {}`),
      { text: 'never reached' },
    ]);
    const events: AgentEvent[] = [];
    const turn = await runTurn({
      model: scripted.model,
      runner: sandbox.runner({ timeLimitMs: 10_000 }),
      catalog,
      messages: [],
      userMessage: 'work',
      abortSignal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'code-started' && event.code.includes('while'))
          setTimeout(() => controller.abort(), 50);
      },
    });
    expect(turn.outcome).toBe('aborted');
    expect(turn.message).toMatch(/stopped before the agent finished/);
    // The first step is whole; the aborted one is left out, so no tool call lacks its result.
    expect(turn.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    expect(scripted.requests).toHaveLength(2);
  });

  it('an abort while the model answers cancels the call; an aborted signal never starts a turn', async () => {
    const controller = new AbortController();
    scripted = await startScriptedModel('openai', () => {
      controller.abort();
      return { text: 'too late' };
    });
    const budget = createBudgetTracker();
    const turn = await runTurn({
      model: scripted.model,
      runner: sandbox.runner(),
      messages: [],
      userMessage: 'hi',
      abortSignal: controller.signal,
      budget,
    });
    expect(turn.outcome).toBe('aborted');
    const again = await runTurn({
      model: scripted.model,
      runner: sandbox.runner(),
      messages: turn.messages,
      userMessage: 'x',
      abortSignal: controller.signal,
      budget,
    });
    expect(again).toMatchObject({ outcome: 'aborted', steps: 0, messages: turn.messages });
    expect(budget.snapshot().turn.steps.used).toBe(0);
  });
});
