// The turn loop end to end: real AI SDK clients against the wire-level fake providers, code run in a real isolate
// over a real temp directory. Each case runs for both providers, streamed and not.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTurn, type AgentEvent } from '@ironcurtain/agent';
import {
  catalog,
  createSandbox,
  lastToolResult,
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
  sandbox = await createSandbox({ 'notes.md': 'alpha\nbeta\ngamma\n', 'todo.txt': 'ship it' });
});
afterEach(async () => {
  await scripted?.server.close();
  scripted = undefined;
  await sandbox.dispose();
});

describe.each(providerKinds)('runTurn with %s', (kind) => {
  it.each([true, false])(
    'runs scripted code in the isolate and returns the final text (streaming %s)',
    async (isStreaming) => {
      scripted = await startScriptedModel(kind, [
        runCode(`const lines = filesystem.read_file({ path: 'notes.md' }).trim().split('\\n');
console.log('lines:', lines.length);
lines.map((line) => line.toUpperCase()).join(',')`),
        { text: 'The notes say ALPHA, BETA and GAMMA.' },
      ]);
      const events: AgentEvent[] = [];
      const turn = await runTurn({
        model: scripted.model,
        modelId: scripted.modelId,
        runner: sandbox.runner(),
        catalog,
        messages: [],
        userMessage: 'What is in notes.md?',
        isStreaming,
        onEvent: (event) => events.push(event),
      });

      expect(turn).toMatchObject({
        outcome: 'completed',
        text: 'The notes say ALPHA, BETA and GAMMA.',
        steps: 2,
      });
      expect(sandbox.calls).toHaveLength(1);
      expect(sandbox.calls[0]).toMatchObject({ serverName: 'filesystem', toolName: 'read_file' });
      // The tool result reached the model's next request, as the provider's own wire format.
      expect(scripted.requests).toHaveLength(2);
      const toolResult = lastToolResult(scripted.requests[1]);
      expect(toolResult).toContain('Result:\nALPHA,BETA,GAMMA');
      expect(toolResult).toContain('lines: 3');
      expect(toolResult).toContain('1 tool call');
      expect(scripted.requests.every((request) => request.isStreaming === isStreaming)).toBe(true);
      // The system prompt went out, naming the catalog's tools, and the tool is offered as execute_code.
      expect(requestText(scripted.requests[0])).toContain(
        'filesystem: read_file, list_directory, write_file',
      );
      expect(JSON.stringify(scripted.requests[0]?.body?.['tools'])).toContain('execute_code');
      // History: user, assistant (tool call), tool result, assistant (text).
      expect(turn.messages.map((message) => message.role)).toEqual([
        'user',
        'assistant',
        'tool',
        'assistant',
      ]);
      expect(events.filter((event) => event.type === 'code-finished')).toMatchObject([
        { type: 'code-finished', isOk: true, toolCalls: 1, loop: 'ok' },
      ]);
      expect(events).toContainEqual({
        type: 'assistant-text',
        text: 'The notes say ALPHA, BETA and GAMMA.',
        step: 2,
      });
      const deltas = events.flatMap((event) => (event.type === 'text-delta' ? [event.text] : []));
      expect(deltas.join('')).toBe(isStreaming ? 'The notes say ALPHA, BETA and GAMMA.' : '');
    },
  );

  it.each([true, false])(
    "reports a step's words before the code they introduce runs (streaming %s)",
    async (isStreaming) => {
      scripted = await startScriptedModel(kind, [
        {
          text: 'First I read notes.md.',
          toolCalls: [
            { name: 'execute_code', input: { code: `filesystem.read_file({ path: 'notes.md' })` } },
          ],
        },
        { text: 'It lists three words.' },
      ]);
      const events: AgentEvent[] = [];
      const turn = await runTurn({
        model: scripted.model,
        runner: sandbox.runner(),
        catalog,
        messages: [],
        userMessage: 'What is in notes.md?',
        isStreaming,
        onEvent: (event) => events.push(event),
      });
      expect(turn).toMatchObject({ outcome: 'completed', steps: 2, text: 'It lists three words.' });
      const order = events.flatMap((event) =>
        event.type === 'assistant-text'
          ? [`said ${event.step}: ${event.text}`]
          : event.type === 'step-finished'
            ? [`step ${event.step} finished`]
            : event.type === 'code-started' || event.type === 'code-finished'
              ? [event.type]
              : [],
      );
      expect(order).toEqual([
        'said 1: First I read notes.md.',
        'code-started',
        'code-finished',
        'step 1 finished',
        'said 2: It lists three words.',
        'step 2 finished',
      ]);
      // The words went into the history with the tool call, as the model said them.
      expect(JSON.stringify(turn.messages[1])).toContain('First I read notes.md.');
    },
  );

  it('runs several executions in one turn and writes real files', async () => {
    scripted = await startScriptedModel(kind, [
      runCode(`filesystem.list_directory({ path: '.' })`),
      runCode(`filesystem.write_file({ path: 'summary.txt', content: 'two files' })`),
      { text: 'Done: wrote summary.txt.' },
    ]);
    const turn = await runTurn({
      model: scripted.model,
      runner: sandbox.runner(),
      catalog,
      messages: [],
      userMessage: 'Summarise the sandbox.',
    });
    expect(turn).toMatchObject({ outcome: 'completed', steps: 3, text: 'Done: wrote summary.txt.' });
    expect(lastToolResult(scripted.requests[1])).toContain('notes.md\ntodo.txt');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(`${sandbox.directory}/summary.txt`, 'utf8')).toBe('two files');
  });

  it('a denied tool call reaches the model as a DENIED error and the turn goes on', async () => {
    scripted = await startScriptedModel(kind, [
      runCode(`filesystem.read_file({ path: '/etc/passwd' })`),
      { text: 'Reading /etc/passwd was denied by the policy.' },
    ]);
    const turn = await runTurn({
      model: scripted.model,
      runner: sandbox.runner(),
      catalog,
      messages: [],
      userMessage: 'Read /etc/passwd',
    });
    expect(turn.outcome).toBe('completed');
    expect(lastToolResult(scripted.requests[1])).toMatch(
      /Execution failed: the code threw\nDENIED: read_file outside the sandbox/,
    );
  });
  it('a malformed or unknown tool call reaches the model as an error and the turn goes on', async () => {
    scripted = await startScriptedModel(kind, [
      { toolCalls: [{ name: 'execute_code', input: { script: 'oops' } }] },
      { toolCalls: [{ name: 'bash', input: { command: 'ls' } }] },
      { text: 'Sorry, I will use execute_code with code.' },
    ]);
    const turn = await runTurn({
      model: scripted.model,
      runner: sandbox.runner(),
      catalog,
      messages: [],
      userMessage: 'go',
      isStreaming: kind === 'openai',
    });
    expect(turn).toMatchObject({ outcome: 'completed', steps: 3 });
    expect(lastToolResult(scripted.requests[1])).toMatch(/Invalid input for tool execute_code/);
    expect(lastToolResult(scripted.requests[2])).toMatch(/unavailable tool 'bash'/);
    expect(sandbox.calls).toHaveLength(0);
    expect(JSON.parse(JSON.stringify(turn.messages))).toEqual(turn.messages);
  });
});
