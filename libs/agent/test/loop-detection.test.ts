// Loop detection: the detector's verdicts, and through the turn loop a warning in the tool result the model reads,
// then a block that stops running code and ends the turn.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLoopDetector, runTurn, type AgentEvent } from '@ironcurtain/agent';
import type { ExecutionResult } from '@ironcurtain/code-mode';
import {
  catalog,
  createSandbox,
  lastToolResult,
  runCode,
  startScriptedModel,
  type Sandbox,
  type ScriptedModel,
} from './agent-fixture.js';

const report = { console: [], toolCalls: 1, truncated: false, durationMs: 3 };
const success = (result: string): ExecutionResult => ({ ...report, ok: true, result });
const failure = (message: string): ExecutionResult => ({
  ...report,
  ok: false,
  error: { kind: 'thrown', message },
});

describe('createLoopDetector', () => {
  it('warns at the third identical (code, outcome) pair and blocks at the fifth', () => {
    const detector = createLoopDetector();
    const verdicts = [1, 2, 3, 4, 5].map(() => detector.record('list()', success('a\nb')).kind);
    expect(verdicts).toEqual(['ok', 'ok', 'warn', 'warn', 'block']);
    expect(detector.isBlocked).toBe(true);
  });

  it('does not count the same code with a changing outcome, nor reformatting as different code', () => {
    const detector = createLoopDetector();
    for (let index = 0; index < 6; index += 1) {
      expect(detector.record('status()', success(`tick ${index}`)).kind).toBe('ok');
    }
    expect(detector.record('  list( )', success('x')).kind).toBe('ok');
    expect(detector.record('list(\n)', success('x')).kind).toBe('ok');
    expect(detector.record('  list(\t)  ', success('x')).kind).toBe('warn');
  });

  it('matches the same failing code even when numbers in the message differ', () => {
    const detector = createLoopDetector({ warnAt: 2, blockAt: 3 });
    expect(detector.record('run()', failure('took 1201 ms (at agent.js:1:5)')).kind).toBe('ok');
    expect(detector.record('run()', failure('took 1187 ms (at agent.js:1:5)')).kind).toBe('warn');
    expect(detector.record('run()', failure('took 1350 ms (at agent.js:1:5)')).kind).toBe('block');
  });

  it('catches the same denial retried with different code', () => {
    const detector = createLoopDetector();
    const denied = failure('DENIED: git_push needs approval (rule escalate-git-push)');
    const verdicts = [1, 2, 3, 4, 5, 6].map((index) => detector.record(`push(${index})`, denied));
    expect(verdicts.map((verdict) => verdict.kind)).toEqual(['ok', 'ok', 'ok', 'warn', 'warn', 'block']);
    expect(verdicts[3]).toMatchObject({
      message: expect.stringMatching(/same failure has now happened 4 times/),
    });
  });

  it('refuses bad thresholds', () => {
    expect(() => createLoopDetector({ warnAt: 5, blockAt: 5 })).toThrow(/2 <= warnAt < blockAt/);
  });
});

describe('loop detection in a turn', () => {
  let sandbox: Sandbox;
  let scripted: ScriptedModel | undefined;
  beforeEach(async () => {
    sandbox = await createSandbox({ 'a.txt': 'a' });
  });
  afterEach(async () => {
    await scripted?.server.close();
    scripted = undefined;
    await sandbox.dispose();
  });

  it('warns in the tool result, then blocks without running code, and ends the turn', async () => {
    scripted = await startScriptedModel('anthropic', [runCode(`filesystem.list_directory({ path: '.' })`)]);
    const events: AgentEvent[] = [];
    const turn = await runTurn({
      model: scripted.model,
      runner: sandbox.runner(),
      catalog,
      messages: [],
      userMessage: 'list it, forever',
      onEvent: (event) => events.push(event),
    });
    expect(turn.outcome).toBe('loop-blocked');
    expect(turn.message).toMatch(/kept running the same code/);
    // 5 executions ran (the 5th triggered the block), then 2 calls were refused and the turn ended.
    expect(sandbox.calls).toHaveLength(5);
    expect(scripted.requests).toHaveLength(7);
    expect(turn.steps).toBe(7);
    expect(lastToolResult(scripted.requests[2])).not.toContain('WARNING');
    expect(lastToolResult(scripted.requests[3])).toMatch(
      /a\.txt[\s\S]*WARNING: This exact code has now run 3 times/,
    );
    expect(lastToolResult(scripted.requests[5])).toContain('BLOCKED: no more code will run');
    expect(lastToolResult(scripted.requests[6])).toMatch(/^BLOCKED/);
    expect(events.filter((event) => event.type === 'code-refused')).toHaveLength(2);
    expect(events.flatMap((event) => (event.type === 'code-finished' ? [event.loop] : []))).toEqual([
      'ok',
      'ok',
      'warn',
      'warn',
      'block',
    ]);
  });

  it("keeps the model's summary when it stops after the block", async () => {
    scripted = await startScriptedModel('openai', (_request, index) =>
      index < 3
        ? runCode('filesystem.read_file({ path: "../secret" })')
        : { text: 'I was denied reading ../secret.' },
    );
    const turn = await runTurn({
      model: scripted.model,
      runner: sandbox.runner(),
      catalog,
      messages: [],
      userMessage: 'read ../secret',
      loopDetection: { warnAt: 2, blockAt: 3 },
    });
    expect(turn).toMatchObject({
      outcome: 'loop-blocked',
      text: 'I was denied reading ../secret.',
      steps: 4,
    });
    expect(lastToolResult(scripted.requests[3])).toMatch(/DENIED[\s\S]*BLOCKED/);
  });
});
