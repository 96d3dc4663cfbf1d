// Containment through the agent: whatever the model's code does fails that execution only; the turn goes on to
// the model's next reply, which reads the failure.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTurn } from '@ironcurtain/agent';
import {
  catalog,
  createSandbox,
  lastToolResult,
  providerKinds,
  runCode,
  startScriptedModel,
  type Sandbox,
  type ScriptedModel,
} from './agent-fixture.js';

let sandbox: Sandbox;
let scripted: ScriptedModel | undefined;
beforeEach(async () => {
  sandbox = await createSandbox({ 'a.txt': 'contents of a' });
});
afterEach(async () => {
  await scripted?.server.close();
  scripted = undefined;
  await sandbox.dispose();
});

const hostileCases = [
  {
    name: 'an infinite loop',
    code: `console.log('spinning'); while (true) {}`,
    expected: /Execution stopped: time limit\nThe code ran past the time limit of 0\.5 s[\s\S]*spinning/,
  },
  {
    name: 'a 1 GB allocation',
    code: `const chunks = []; while (true) chunks.push(new Array(1e6).fill(1));`,
    expected: /Execution stopped: memory limit\nThe code used more than the memory limit of 16 MB/,
  },
  {
    name: "require('fs')",
    code: `require('fs').readFileSync('/etc/passwd', 'utf8')`,
    expected: /Execution failed: the code threw\nReferenceError: require is not defined/,
  },
  {
    name: 'a thrown error',
    code: `throw new TypeError('bad input')`,
    expected: /Execution failed: the code threw\nTypeError: bad input \(at agent\.js:1:7\)/,
  },
];

describe.each(providerKinds)('containment via the agent (%s)', (kind) => {
  it.each(hostileCases)(
    '$name fails that execution only and the turn continues',
    async ({ code, expected }) => {
      scripted = await startScriptedModel(kind, [
        runCode(code),
        runCode(`filesystem.read_file({ path: 'a.txt' })`),
        { text: 'The first attempt failed; the file says "contents of a".' },
      ]);
      const turn = await runTurn({
        model: scripted.model,
        runner: sandbox.runner({ timeLimitMs: 500, memoryLimitMb: 16 }),
        catalog,
        messages: [],
        userMessage: 'try it',
        isStreaming: kind === 'anthropic',
      });
      expect(turn).toMatchObject({
        outcome: 'completed',
        steps: 3,
        text: 'The first attempt failed; the file says "contents of a".',
      });
      expect(lastToolResult(scripted.requests[1])).toMatch(expected);
      // The same runner ran the next execution normally.
      expect(lastToolResult(scripted.requests[2])).toContain('Result:\ncontents of a');
    },
  );
});
