// The agent on an OpenAI-compatible endpoint (an Ollama model id pointed at the wire-level fake): the same tool
// loop works, and a local model costs nothing in the budget.
import { afterEach, expect, it } from 'vitest';
import { createBudgetTracker, runTurn } from '@ironcurtain/agent';
import { createLanguageModel } from '@ironcurtain/llm';
import { startFakeOpenAI, type FakeLlmServer } from '@ironcurtain/testing';
import { catalog, createSandbox, lastToolResult, runCode, type Sandbox } from './agent-fixture.js';

let server: FakeLlmServer | undefined;
let sandbox: Sandbox | undefined;
afterEach(async () => {
  await server?.close();
  await sandbox?.dispose();
});

it.each([true, false])('runs a Code Mode turn on ollama:llama3.1 (streaming %s)', async (isStreaming) => {
  sandbox = await createSandbox({ 'x.txt': 'xyz' });
  let index = 0;
  const replies = [
    runCode(`filesystem.read_file({ path: 'x.txt' }).length`),
    { text: 'x.txt has 3 characters.' },
  ];
  const fake = await startFakeOpenAI({ respond: () => replies[Math.min(index++, 1)] ?? { text: '' } });
  server = fake;
  const model = createLanguageModel({
    modelId: 'ollama:llama3.1',
    apiKeys: {},
    baseUrls: { ollama: fake.url },
  });
  const budget = createBudgetTracker();
  const turn = await runTurn({
    model,
    runner: sandbox.runner(),
    catalog,
    messages: [],
    userMessage: 'size?',
    budget,
    isStreaming,
  });
  expect(turn).toMatchObject({ outcome: 'completed', text: 'x.txt has 3 characters.' });
  expect(lastToolResult(fake.requests[1])).toContain('Result:\n3');
  const snapshot = budget.snapshot();
  expect(snapshot.session.tokens.used).toBeGreaterThan(0);
  expect(snapshot.session.cost.used).toBe(0);
  expect(snapshot.notes).toEqual([]);
});
