import { describe, expect, it } from 'vitest';
import { createCodeRunner, type ExecutionResult } from '@ironcurtain/code-mode';
import { catalog, createToolHost } from './tool-host.js';

function resultOf(execution: ExecutionResult): string | undefined {
  if (!execution.ok)
    throw new Error(`expected success, got ${execution.error.kind}: ${execution.error.message}`);
  return execution.result;
}

function errorOf(execution: ExecutionResult) {
  if (execution.ok) throw new Error(`expected a failure, got result ${String(execution.result)}`);
  return execution.error;
}

describe('tool calls from agent code', () => {
  it('are synchronous functions under the server namespace, with JSON arguments in and text out', async () => {
    const host = createToolHost();
    const runner = createCodeRunner({ tools: catalog, callTool: host.callTool });
    const execution = await runner.execute(`
      const first = filesystem.read_file({ path: '/sandbox/a.txt', head: 2 });
      const second = git.git_status({ path: '/sandbox/repo' });
      [first, JSON.parse(second).tool]`);
    expect(resultOf(execution)).toBe('["contents of /sandbox/a.txt","git_status"]');
    expect(execution.toolCalls).toBe(2);
    expect(
      host.calls.map(({ serverName, toolName, arguments: args }) => ({ serverName, toolName, args })),
    ).toEqual([
      { serverName: 'filesystem', toolName: 'read_file', args: { path: '/sandbox/a.txt', head: 2 } },
      { serverName: 'git', toolName: 'git_status', args: { path: '/sandbox/repo' } },
    ]);
  });

  it('copies arguments as data: later changes in the isolate do not reach the host, and a call without arguments sends {}', async () => {
    const host = createToolHost();
    const runner = createCodeRunner({ tools: catalog, callTool: host.callTool });
    await runner.execute(`
      const args = { path: '/a', nested: { list: [1, 2] } };
      filesystem.read_file(args);
      args.nested.list.push(3);
      git.git_status();`);
    expect(host.calls[0]?.arguments).toEqual({ path: '/a', nested: { list: [1, 2] } });
    expect(Object.getPrototypeOf(host.calls[0]?.arguments)).toBe(Object.prototype);
    expect(host.calls[1]?.arguments).toEqual({});
  });

  it('rejects arguments that are not one JSON object before anything reaches the host', async () => {
    const host = createToolHost();
    const runner = createCodeRunner({ tools: catalog, callTool: host.callTool });
    const attempts = [
      `filesystem.read_file('/a')`,
      `filesystem.read_file([1])`,
      `filesystem.read_file({ size: 10n })`,
      `const cyclic = {}; cyclic.self = cyclic; filesystem.read_file(cyclic)`,
    ];
    for (const code of attempts) {
      const error = errorOf(await runner.execute(code));
      expect(error.kind).toBe('thrown');
      expect(error.message).toMatch(
        /^TypeError: filesystem\.read_file( takes one object|: the arguments must be JSON data \()/,
      );
    }
    expect(host.calls).toHaveLength(0);
  });

  it('turns a denial into an Error that agent code can catch and read', async () => {
    const host = createToolHost();
    const runner = createCodeRunner({ tools: catalog, callTool: host.callTool });
    const execution = await runner.execute(`
      let message;
      try { git.git_push({ branch: 'main' }); } catch (error) { message = error.message; }
      ({ message, after: filesystem.read_file({ path: '/b' }) })`);
    expect(JSON.parse(resultOf(execution) ?? '')).toEqual({
      message: 'DENIED: pushing to a remote needs approval (rule escalate-git-push)',
      after: 'contents of /b',
    });
    expect(execution.toolCalls).toBe(2);
  });

  it('ends the execution with the denial message when agent code does not catch it', async () => {
    const runner = createCodeRunner({ tools: catalog, callTool: createToolHost().callTool });
    const error = errorOf(await runner.execute(`\ngit.git_push({});\n'not reached'`));
    expect(error).toEqual({
      kind: 'thrown',
      message: 'DENIED: pushing to a remote needs approval (rule escalate-git-push) (at agent.js:2:5)',
    });
  });

  it('never passes a host error message into the isolate when callTool rejects', async () => {
    const runner = createCodeRunner({
      tools: catalog,
      callTool: () => Promise.reject(new Error('connect ECONNREFUSED /var/run/secret.sock (token=abc)')),
    });
    const execution = await runner.execute(
      `try { filesystem.read_file({ path: '/a' }) } catch (error) { error.message }`,
    );
    expect(resultOf(execution)).toMatch(/^ERROR: filesystem\.read_file failed inside IronCurtain/);
    expect(resultOf(execution)).not.toMatch(/ECONNREFUSED|secret|token/);
  });

  it('runs executions side by side: one waiting on a tool call does not hold up another', async () => {
    let release: (() => void) | undefined;
    let slowIsWaiting: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => (slowIsWaiting = resolve));
    const host = createToolHost(async (call) => {
      if (call.arguments['path'] === '/slow')
        await new Promise<void>((resolve) => {
          release = resolve;
          slowIsWaiting();
        });
      return { ok: true, text: String(call.arguments['path']) };
    });
    const runner = createCodeRunner({ tools: catalog, callTool: host.callTool });
    const slow = runner.execute(`filesystem.read_file({ path: '/slow' })`);
    // Only once the slow execution is inside its tool call does the fast one start: it must not wait for it.
    await waiting;
    await expect(runner.execute(`filesystem.read_file({ path: '/fast' })`)).resolves.toMatchObject({
      ok: true,
      result: '/fast',
    });
    expect(release).toBeDefined();
    release?.();
    await expect(slow).resolves.toMatchObject({ ok: true, result: '/slow' });
  });

  it('reaches tools whose names are not identifiers by their exact name and by an underscore alias', async () => {
    const host = createToolHost();
    const runner = createCodeRunner({ tools: catalog, callTool: host.callTool });
    const execution = await runner.execute(`
      filesystem['list-things']({ kinds: ['file'] });
      filesystem.list_things();
      Object.keys(filesystem)`);
    expect(JSON.parse(resultOf(execution) ?? '')).toEqual(['read_file', 'write_file', 'list-things']);
    expect(host.calls.map((call) => call.toolName)).toEqual(['list-things', 'list-things']);
  });
});

describe('results', () => {
  const runner = createCodeRunner({ tools: catalog, callTool: createToolHost().callTool });

  it('is the last expression: strings as they are, other values as compact JSON, undefined as none', async () => {
    expect(resultOf(await runner.execute(`const name = 'a'; name + 'b'`))).toBe('ab');
    expect(resultOf(await runner.execute(`({ list: [1, 'two'], nested: { ok: true } })`))).toBe(
      '{"list":[1,"two"],"nested":{"ok":true}}',
    );
    expect(resultOf(await runner.execute(`[1, 2].length`))).toBe('2');
    expect(resultOf(await runner.execute(`const unused = 1;`))).toBeUndefined();
    expect(resultOf(await runner.execute(`10n ** 20n`))).toBe('100000000000000000000n');
    expect(resultOf(await runner.execute(`(function named() {})`))).toBe('[Function named]');
  });

  it('is the returned value when the code uses top-level return or await', async () => {
    expect(resultOf(await runner.execute(`const x = 2;\nreturn x * 21;`))).toBe('42');
    expect(resultOf(await runner.execute(`const value = await Promise.resolve(5);\nreturn { value };`))).toBe(
      '{"value":5}',
    );
    expect(resultOf(await runner.execute(`(async () => 'from a promise')()`))).toBe('from a promise');
  });

  it('cuts a result over maxResultBytes to its head and tail around a marker', async () => {
    const execution = await runner.execute(`'A'.repeat(100000) + 'B'.repeat(100000) + 'C'.repeat(100000)`);
    const result = resultOf(execution) ?? '';
    expect(execution.truncated).toBe(true);
    expect(Buffer.byteLength(result)).toBeLessThanOrEqual(100 * 1024);
    expect(Buffer.byteLength(result)).toBeGreaterThan(100 * 1024 - 100);
    expect(result.startsWith('A'.repeat(50_000))).toBe(true);
    expect(result.endsWith('C'.repeat(50_000))).toBe(true);
    expect(result).toMatch(/…\[truncated: (\d+) of 300000 bytes cut\]…/);
    const cut = Number(/truncated: (\d+) of/.exec(result)?.[1]);
    expect(result.replace(/\n…\[truncated: .*\]…\n/, '').length + cut).toBe(300_000);
    expect(result).not.toContain('B'.repeat(60_000));
  });

  it('keeps a result within the limit whole', async () => {
    const execution = await runner.execute(`'x'.repeat(100 * 1024)`);
    expect(resultOf(execution)).toHaveLength(100 * 1024);
    expect(execution.truncated).toBe(false);
  });
});

describe('console', () => {
  const runner = createCodeRunner({
    tools: catalog,
    callTool: createToolHost().callTool,
    maxResultBytes: 4096,
  });

  it('captures log, info, debug, warn and error lines in order, values formatted', async () => {
    const execution = await runner.execute(`
      console.log('plain', 1, { a: [1] }, undefined, null);
      console.info('info');
      console.debug('debug');
      console.warn('careful');
      console.error(new TypeError('bad'));
      'done'`);
    expect(resultOf(execution)).toBe('done');
    expect(execution.console).toEqual([
      'plain 1 {"a":[1]} undefined null',
      'info',
      'debug',
      '[warn] careful',
      '[error] TypeError: bad (at agent.js:6:21)',
    ]);
  });

  it('keeps the console lines of a failed execution', async () => {
    const execution = await runner.execute(`console.log('before'); throw new Error('after')`);
    expect(execution.console).toEqual(['before']);
    expect(errorOf(execution).message).toBe('after (at agent.js:1:30)');
  });

  it('bounds a flood of output to the byte budget, first and last lines kept', async () => {
    const execution = await runner.execute(`for (let i = 0; i < 5000; i += 1) console.log('line ' + i);`);
    const kept = execution.console;
    expect(execution.truncated).toBe(true);
    expect(kept[0]).toBe('line 0');
    expect(kept.at(-1)).toBe('line 4999');
    expect(kept.find((line) => line.startsWith('…[console truncated:'))).toMatch(/lines \(\d+ bytes\) cut/);
    expect(Buffer.byteLength(kept.join(''))).toBeLessThanOrEqual(4096 + 100);
  });
});

describe('errors', () => {
  const runner = createCodeRunner({ tools: catalog, callTool: createToolHost().callTool });

  it('reports a thrown error with its type, message and line, and a thrown non-Error value', async () => {
    expect(errorOf(await runner.execute(`const a = 1;\nnull.property`))).toEqual({
      kind: 'thrown',
      message: "TypeError: Cannot read properties of null (reading 'property') (at agent.js:2:6)",
    });
    expect(errorOf(await runner.execute(`throw 'plain string'`)).message).toBe('Uncaught: plain string');
    expect(errorOf(await runner.execute(`throw { code: 1 }`)).message).toMatch(/not an Error/);
    // A rejection still unhandled when the code's run ends is thrown by the engine like a synchronous throw.
    expect(errorOf(await runner.execute(`await Promise.reject({ code: 2 })`)).message).toMatch(
      /not an Error/,
    );
    // One that comes later (here after a tool call in a promise chain) is read inside the isolate.
    const later = await runner.execute(
      `Promise.resolve().then(() => filesystem.read_file({ path: '/a' })).then((text) => { throw { text }; })`,
    );
    expect(errorOf(later).message).toMatch(/^Uncaught: \{"text":"contents of \/a"\}|not an Error/);
  });

  it('cuts a huge error message like a result', async () => {
    const execution = await runner.execute(`throw new Error('E'.repeat(300000))`);
    expect(execution.truncated).toBe(true);
    expect(Buffer.byteLength(errorOf(execution).message)).toBeLessThanOrEqual(100 * 1024);
    expect(errorOf(execution).message).toMatch(
      /^E+\n…\[truncated: \d+ of \d+ bytes cut\]…\nE+ \(at agent\.js:1:7\)$/,
    );
  });

  it('reports a syntax error with its position, in plain and in return-style code', async () => {
    expect(errorOf(await runner.execute(`const x = ;`))).toEqual({
      kind: 'syntax',
      message: "Unexpected token ';' [agent.js:1:11]",
    });
    expect(errorOf(await runner.execute(`const y = 1;\nreturn y +;`))).toEqual({
      kind: 'syntax',
      message: "Unexpected token ';' [agent.js:2:11]",
    });
  });

  it('starts each execution in a fresh context: nothing carries over', async () => {
    await runner.execute(
      `globalThis.leftover = 1; Object.prototype.polluted = true; JSON.stringify = () => 'x'`,
    );
    const execution = await runner.execute(`[typeof leftover, ({}).polluted, JSON.stringify({ a: 1 })]`);
    expect(resultOf(execution)).toBe('["undefined",null,"{\\"a\\":1}"]');
  });

  it('rejects limits out of range and server names that would shadow JavaScript globals', () => {
    const callTool = createToolHost().callTool;
    expect(() => createCodeRunner({ tools: catalog, callTool, memoryLimitMb: 4 })).toThrow(/memoryLimitMb/);
    expect(() => createCodeRunner({ tools: catalog, callTool, timeLimitMs: 0 })).toThrow(/timeLimitMs/);
    expect(() => createCodeRunner({ tools: catalog, callTool, maxResultBytes: 10 })).toThrow(
      /maxResultBytes/,
    );
    for (const name of ['JSON', 'console', 'help', 'Object']) {
      const tools = { servers: [{ name, tools: [] }] };
      expect(() => createCodeRunner({ tools, callTool })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(`"${name}"`) }),
      );
    }
  });
});
