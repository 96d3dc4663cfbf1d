// Containment: whatever agent code does ends that execution only, and the isolate reaches neither the host nor
// the network. Each case is followed by an ordinary execution on the same runner to show the runner survived.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCodeRunner,
  type CodeRunner,
  type ExecutionResult,
  type ToolCall,
} from '@ironcurtain/code-mode';
import { catalog, createToolHost } from './tool-host.js';

async function expectRunnerStillWorks(runner: CodeRunner): Promise<void> {
  const execution = await runner.execute(`filesystem.read_file({ path: '/after' }) + ' ' + (6 * 7)`);
  expect(execution).toMatchObject({ ok: true, result: 'contents of /after 42' });
}

function errorOf(execution: ExecutionResult) {
  if (execution.ok) throw new Error(`expected a failure, got result ${String(execution.result)}`);
  return execution.error;
}

describe('limits end the execution, not the runner', () => {
  const runner = createCodeRunner({ tools: catalog, callTool: createToolHost().callTool, timeLimitMs: 1000 });

  it('stops an infinite loop at the time limit', async () => {
    const execution = await runner.execute(`console.log('spinning'); while (true) {}`);
    expect(errorOf(execution).kind).toBe('timeout');
    expect(errorOf(execution).message).toMatch(/time limit of 1 s/);
    expect(execution.console).toEqual(['spinning']);
    expect(execution.durationMs).toBeGreaterThanOrEqual(990);
    expect(execution.durationMs).toBeLessThan(5000);
    await expectRunnerStillWorks(runner);
  });

  it('stops a 1 GB allocation at the memory limit', async () => {
    const memoryRunner = createCodeRunner({ tools: catalog, callTool: createToolHost().callTool });
    const execution = await memoryRunner.execute(
      `const chunks = []; while (true) chunks.push(new Array(1e6).fill(1));`,
    );
    expect(errorOf(execution)).toEqual({
      kind: 'memory',
      message: 'The code used more than the memory limit of 128 MB and was stopped.',
    });
    await expectRunnerStillWorks(memoryRunner);
  });

  it('refuses a 1 GB ArrayBuffer (outside the JS heap) as an error', async () => {
    const execution = await runner.execute(`new Uint8Array(1024 ** 3).length`);
    expect(errorOf(execution)).toEqual({
      kind: 'thrown',
      message: 'RangeError: Array buffer allocation failed (at agent.js:1:1)',
    });
    await expectRunnerStillWorks(runner);
  });

  it('stops a promise that never settles and an endless microtask chain', async () => {
    expect(errorOf(await runner.execute(`await new Promise(() => {})`)).kind).toBe('timeout');
    expect(errorOf(await runner.execute(`(async () => { while (true) await null; })()`)).kind).toBe(
      'timeout',
    );
    await expectRunnerStillWorks(runner);
  });

  it('stops an error whose message getter never returns', async () => {
    const execution = await runner.execute(`
      const error = new Error('x');
      Object.defineProperty(error, 'message', { get() { while (true) {} } });
      throw error;`);
    expect(errorOf(execution).kind).toBe('timeout');
    await expectRunnerStillWorks(runner);
  });

  it('has no thread-blocking primitives (Atomics.wait, SharedArrayBuffer) nor WebAssembly', async () => {
    const execution = await runner.execute(`[typeof Atomics, typeof SharedArrayBuffer, typeof WebAssembly]`);
    expect(execution).toMatchObject({ ok: true, result: '["undefined","undefined","undefined"]' });
  });

  it('cuts off a tool call that never answers at the wall-clock limit and aborts its signal', async () => {
    const pending: ToolCall[] = [];
    const hangingRunner = createCodeRunner({
      tools: catalog,
      timeLimitMs: 500,
      callTool: (call) => {
        pending.push(call);
        return new Promise(() => {});
      },
    });
    const execution = await hangingRunner.execute(`filesystem.read_file({ path: '/slow' }); 'never'`);
    expect(errorOf(execution).kind).toBe('timeout');
    expect(execution.toolCalls).toBe(1);
    expect(execution.durationMs).toBeLessThan(3000);
    expect(pending[0]?.signal.aborted).toBe(true);
  });

  it('counts time spent waiting on tool calls against the limit', async () => {
    const slowRunner = createCodeRunner({
      tools: catalog,
      timeLimitMs: 600,
      callTool: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return { ok: true, text: 'slow' };
      },
    });
    const execution = await slowRunner.execute(
      `for (let i = 0; i < 20; i += 1) filesystem.read_file({ path: '/' + i });`,
    );
    expect(errorOf(execution).kind).toBe('timeout');
    // 100 ms each within 600 ms: at most 7 can start; fewer on a loaded machine, never all 20.
    expect(execution.toolCalls).toBeGreaterThanOrEqual(2);
    expect(execution.toolCalls).toBeLessThanOrEqual(7);
  });

  it('ignores an answer that arrives after the execution ended', async () => {
    let answer: (() => void) | undefined;
    const lateRunner = createCodeRunner({
      tools: catalog,
      timeLimitMs: 300,
      callTool: () =>
        new Promise((resolve) => {
          answer = () => resolve({ ok: true, text: 'late' });
        }),
    });
    expect(errorOf(await lateRunner.execute(`filesystem.read_file({ path: '/x' })`)).kind).toBe('timeout');
    answer?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expectRunnerStillWorks(createCodeRunner({ tools: catalog, callTool: createToolHost().callTool }));
  });
});

describe('no host access from the isolate', () => {
  const runner = createCodeRunner({ tools: catalog, callTool: createToolHost().callTool, timeLimitMs: 5000 });

  it.each([
    ['require', `require('fs')`, 'ReferenceError: require is not defined (at agent.js:1:1)'],
    ['process.env', `process.env.HOME`, 'ReferenceError: process is not defined (at agent.js:1:1)'],
    ['dynamic import', `await import('fs')`, 'Not supported (at agent.js:1:1)'],
    [
      'the Function constructor',
      `globalThis.constructor.constructor('return process')()`,
      'ReferenceError: process is not defined',
    ],
    ['a timer', `setTimeout(() => {}, 10)`, 'ReferenceError: setTimeout is not defined (at agent.js:1:1)'],
    ['Node globals', `Buffer.from('x')`, 'ReferenceError: Buffer is not defined (at agent.js:1:1)'],
  ])('fails %s without reaching the host', async (_name, code, message) => {
    const error = errorOf(await runner.execute(code));
    expect(error.kind).toBe('thrown');
    expect(error.message.startsWith(message)).toBe(true);
  });

  it('exposes nothing beyond the JavaScript language, console, help and the tool namespaces', async () => {
    const execution = await runner.execute(`Object.getOwnPropertyNames(globalThis)`);
    const names = JSON.parse(execution.ok ? (execution.result ?? '[]') : '[]') as string[];
    for (const forbidden of [
      'require',
      'process',
      'fetch',
      'module',
      'Buffer',
      'setTimeout',
      'setInterval',
      'XMLHttpRequest',
      'WebSocket',
    ]) {
      expect(names).not.toContain(forbidden);
    }
    expect(names).toEqual(
      expect.arrayContaining(['console', 'help', '__getToolInterface', 'filesystem', 'git']),
    );
  });

  it('gives agent code no Reference or host function to abuse', async () => {
    const execution = await runner.execute(`
      const seen = [];
      for (const name of Object.getOwnPropertyNames(globalThis)) {
        const value = globalThis[name];
        if (value !== null && typeof value === 'object' && typeof value.applySyncPromise === 'function') seen.push(name);
        if (value !== null && typeof value === 'object' && typeof value.deref === 'function') seen.push(name);
      }
      const tool = filesystem.read_file;
      [seen, Object.getOwnPropertyNames(tool).sort()]`);
    expect(execution).toMatchObject({ ok: true });
    const [seen, ownNames] = JSON.parse(execution.ok ? (execution.result ?? '') : '') as [string[], string[]];
    expect(seen).toEqual([]);
    expect(ownNames).toEqual(['length', 'name']);
  });

  it('never hands the bridge to agent code that replaces call, apply, Reflect.apply or JSON', async () => {
    const host = createToolHost();
    const trapRunner = createCodeRunner({ tools: catalog, callTool: host.callTool });
    const execution = await trapRunner.execute(`
      const leaked = [];
      const isBridge = (value) =>
        value !== null && (typeof value === 'object' || typeof value === 'function') &&
        ('applySyncPromise' in value || 'derefInto' in value);
      const spy = (values) => { for (const value of values) if (isBridge(value)) leaked.push(typeof value); };
      const realApply = Reflect.apply;
      Function.prototype.call = function (...values) { spy([this, ...values]); return realApply(this, values[0], values.slice(1)); };
      Function.prototype.apply = function (...values) { spy([this, ...values]); return realApply(this, values[0], values[1] ?? []); };
      Reflect.apply = (...values) => { spy(values); return realApply(...values); };
      JSON.parse = (...values) => { spy(values); return { ok: true, text: 'forged' }; };
      JSON.stringify = (...values) => { spy(values); return '{"path":"/etc/shadow"}'; };
      [filesystem.read_file({ path: '/sandbox/a' }), leaked]`);
    expect(execution).toMatchObject({ ok: true, result: '["contents of /sandbox/a",[]]' });
    expect(host.calls[0]?.arguments).toEqual({ path: '/sandbox/a' });
  });

  describe('network', () => {
    let server: Server;
    let port = 0;
    let connections = 0;

    beforeAll(async () => {
      server = createServer((socket) => {
        connections += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      port = typeof address === 'object' && address !== null ? address.port : 0;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('cannot open a connection: fetch, XMLHttpRequest, WebSocket and imports are absent', async () => {
      const attempts = [
        `await fetch('http://127.0.0.1:${port}/')`,
        `new XMLHttpRequest().open('GET', 'http://127.0.0.1:${port}/')`,
        `new WebSocket('ws://127.0.0.1:${port}/')`,
        `await import('http://127.0.0.1:${port}/module.js')`,
        `await import('node:net')`,
      ];
      for (const code of attempts) {
        const execution = await runner.execute(code);
        expect(execution.ok).toBe(false);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(connections).toBe(0);
      // The server does accept connections, so zero above means nothing tried.
      const { connect } = await import('node:net');
      await new Promise<void>((resolve) =>
        connect(port, '127.0.0.1')
          .on('close', () => resolve())
          .on('error', () => resolve()),
      );
      expect(connections).toBe(1);
    });
  });
});
