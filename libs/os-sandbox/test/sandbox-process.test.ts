import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSandbox, wrapCommand } from '@ironcurtain/os-sandbox';
import { eventually } from '@ironcurtain/testing';
import {
  createSandboxFixture,
  probeForTests,
  runProcess,
  runSandboxed,
  type SandboxFixture,
} from './sandbox-fixture.js';

const probe = await probeForTests();

/** Connects to 127.0.0.1:port and prints `connected` or the error code. */
const connectScript = `
const socket = require('node:net').connect(Number(process.argv[1]), '127.0.0.1');
socket.on('connect', () => { console.log('connected'); socket.end(); });
socket.on('error', (error) => { console.log(error.code); process.exitCode = 1; });
`;

describe.runIf(probe.isAvailable)('sandboxed processes', () => {
  let fixture: SandboxFixture;
  let server: Server;
  let port: number;
  let node: string;
  beforeAll(async () => {
    fixture = await createSandboxFixture();
    node = join(fixture.nodeInstallDir, 'bin', 'node');
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await fixture.remove();
  });

  it('has no network by default, while the same connect works outside', async () => {
    const outside = await runProcess(node, ['-e', connectScript, String(port)], {});
    expect(outside.stdout.trim()).toBe('connected');
    const plan = planSandbox({ network: false }, fixture.context());
    const inside = await runSandboxed(plan, node, ['-e', connectScript, String(port)]);
    expect(inside.stdout.trim()).toBe('ECONNREFUSED');
    expect(inside.code).toBe(1);
  });

  // With allowedDomains the host network is not shared either: see sandbox-network.test.ts.

  it('passes only the given environment, and never on the command line', async () => {
    process.env['OS_SANDBOX_PARENT_ONLY'] = 'parent-value';
    try {
      const plan = planSandbox(undefined, fixture.context());
      const env = { PATH: '/usr/bin:/bin', SERVER_TOKEN: 'token-for-the-server' };
      const wrapped = wrapCommand('/usr/bin/env', [], plan, 'enforce', probe, { env });
      expect(wrapped.args.join(' ')).not.toContain('token-for-the-server');
      const result = await runProcess(wrapped.command, wrapped.args, wrapped.env);
      expect(result.stdout).toContain('SERVER_TOKEN=token-for-the-server');
      expect(result.stdout).not.toContain('OS_SANDBOX_PARENT_ONLY');
      // PWD is bubblewrap's own, from --chdir.
      expect(result.stdout.trim().split('\n').sort()).toEqual([
        'PATH=/usr/bin:/bin',
        `PWD=/tmp`,
        'SERVER_TOKEN=token-for-the-server',
      ]);
    } finally {
      delete process.env['OS_SANDBOX_PARENT_ONLY'];
    }
  });

  it('removes the unsetEnvironment names a spawner adds, but keeps those the entry sets', async () => {
    const plan = planSandbox(undefined, fixture.context());
    const wrapped = wrapCommand('/usr/bin/env', [], plan, 'enforce', probe, {
      env: { PATH: '/usr/bin:/bin', TERM: 'dumb' },
      unsetEnvironment: ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'],
    });
    expect(argumentsAfter(wrapped.args, '--unsetenv')).toEqual(['HOME', 'LOGNAME', 'SHELL', 'USER']);
    // What the MCP SDK's stdio transport does: its defaults from the parent, then the entry's environment on top.
    const defaults = {
      HOME: '/root',
      LOGNAME: 'gateway',
      PATH: '/gateway/bin',
      SHELL: '/bin/bash',
      USER: 'gateway',
    };
    const result = await runProcess(wrapped.command, wrapped.args, { ...defaults, ...wrapped.env });
    expect(result.stdout.trim().split('\n').sort()).toEqual(['PATH=/usr/bin:/bin', `PWD=/tmp`, 'TERM=dumb']);
  });

  it('runs a Node stdio program with stdin and stdout piped through the sandbox', async () => {
    const script = join(fixture.sessionSandbox, 'echo-lines.mjs');
    await writeFile(
      script,
      `import { createInterface } from 'node:readline';
for await (const line of createInterface({ input: process.stdin })) console.log(JSON.stringify({ echo: line }));
`,
    );
    const plan = planSandbox(undefined, fixture.context());
    const result = await runSandboxed(plan, node, [script], { PATH: '/usr/bin:/bin' }, 'first\nsecond\n');
    expect(result).toMatchObject({ code: 0, stdout: '{"echo":"first"}\n{"echo":"second"}\n' });
  });

  it('ends the sandboxed server when bwrap is killed', async () => {
    const marker = `${900 + (process.pid % 1000)}.25`;
    const plan = planSandbox(undefined, fixture.context());
    const wrapped = wrapCommand('/bin/sleep', [marker], plan, 'enforce', probe, {
      env: { PATH: '/usr/bin:/bin' },
    });
    const child = spawn(wrapped.command, wrapped.args, { env: wrapped.env, stdio: 'ignore' });
    // bwrap's own command line holds the marker too: wait for the sleep itself, which runs only once bwrap has set
    // up the sandbox (and the death signal that ends it with bwrap), not for bwrap.
    await eventually(
      'the sandboxed sleep to start',
      async () => (await processesWithArgument(marker, 'sleep')).length > 0,
    );
    child.kill('SIGTERM');
    await eventually(
      'the sandboxed sleep to end',
      async () => (await processesWithArgument(marker)).length === 0,
    );
  });

  it('runs in its own pid namespace, in its private /tmp rather than the session sandbox', async () => {
    const plan = planSandbox(undefined, fixture.context());
    const result = await runSandboxed(plan, '/bin/sh', ['-c', 'echo $$; pwd; ls /proc | grep -c "^[0-9]"']);
    const [pid, workingDirectory, processCount] = result.stdout.trim().split('\n');
    expect(Number(pid)).toBeLessThan(10);
    expect(workingDirectory).toBe('/tmp');
    expect(Number(processCount)).toBeLessThan(10);
  });
});

function argumentsAfter(args: string[], option: string): string[] {
  return args.flatMap((arg, index) => (arg === option ? [args[index + 1] ?? ''] : []));
}

/** Host pids whose command line has `argument` (and whose program is `name`, when given). */
async function processesWithArgument(argument: string, name?: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (!commandLine.split('\0').includes(argument)) continue;
    const program = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
    if (name === undefined || program === name) pids.push(Number(entry));
  }
  return pids;
}
