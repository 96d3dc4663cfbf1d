import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeOf } from '@ironcurtain/errors';
import { planSandbox, wrapCommand, type SandboxPlan } from '@ironcurtain/os-sandbox';
import {
  networkProbeScript,
  startFakeWebServer,
  startTestProxy,
  type FakeWebServer,
  type TestProxy,
} from './network-fixture.js';
import {
  createSandboxFixture,
  probeForTests,
  runProcess,
  runSandboxed,
  type SandboxFixture,
} from './sandbox-fixture.js';

const probe = await probeForTests();
const sdkDefaultNames = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

describe.runIf(probe.isAvailable)('the network of a sandboxed server', () => {
  let fixture: SandboxFixture;
  let web: FakeWebServer;
  let proxy: TestProxy;
  let filtered: SandboxPlan;
  let node: string;
  let probeScript: string;
  beforeAll(async () => {
    fixture = await createSandboxFixture();
    web = await startFakeWebServer();
    proxy = await startTestProxy(fixture, {
      allowedDomains: ['allowed.test'],
      names: ['allowed.test', 'undeclared.test'],
    });
    filtered = planSandbox({ network: { allowedDomains: ['allowed.test'] } }, fixture.context());
    node = join(fixture.nodeInstallDir, 'bin', 'node');
    probeScript = join(fixture.sessionSandbox, 'network-probe.cjs');
    await writeFile(probeScript, networkProbeScript);
  });
  afterAll(async () => {
    await proxy.close();
    await web.close();
    await fixture.remove();
  });

  const runProbe = (plan: SandboxPlan, ...args: string[]) =>
    runSandboxed(plan, node, [probeScript, ...args], undefined, '', { networkProxy: proxy.networkProxy });

  it('reaches a declared domain through HTTPS_PROXY (CONNECT) and HTTP_PROXY (absolute form)', async () => {
    const tunnel = await runProbe(filtered, 'connect', `allowed.test:${web.port}`);
    expect(tunnel.stdout).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n/);
    expect(tunnel.stdout).toContain(`hello /through-the-filter via allowed.test:${web.port}`);
    const forwarded = await runProbe(filtered, 'get', `http://allowed.test:${web.port}/plain`);
    expect(forwarded.stdout).toContain(`hello /plain via allowed.test:${web.port}`);
    expect(proxy.decisions).toContainEqual({ host: 'allowed.test', port: web.port, isAllowed: true });
  });

  it('cannot reach an undeclared domain through the proxy: 403 naming it', async () => {
    const result = await runProbe(filtered, 'connect', `undeclared.test:${web.port}`);
    expect(result.stdout).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(result.stdout).toContain('undeclared.test is not among the domains this server may reach');
    expect(result.stdout).toContain('allowed.test');
    expect(result.stdout).not.toContain('hello');
  });

  it("cannot connect to the host's loopback listeners directly, though the host can", async () => {
    const outside = await runProcess(node, [probeScript, 'direct', String(web.port)], {});
    expect(outside.stdout.trim()).toBe('connected');
    for (const plan of [filtered, planSandbox(undefined, fixture.context())]) {
      const inside = await runProbe(plan, 'direct', String(web.port));
      expect(inside.stdout.trim()).toBe('ECONNREFUSED');
    }
  });

  it('gives a sandbox without domains no proxy variables, no filter and no way out', async () => {
    const plan = planSandbox({ network: false }, fixture.context());
    const env = await runSandboxed(plan, '/usr/bin/env', []);
    expect(env.stdout).not.toMatch(/_proxy=/i);
    const listing = await runSandboxed(plan, '/bin/ls', ['/run/ironcurtain-network']);
    expect(listing.code).not.toBe(0);
    const attempt = await runSandboxed(plan, node, [
      '-e',
      "require('node:net').connect(3128, '127.0.0.1').on('error', (error) => console.log(error.code))",
    ]);
    expect(attempt.stdout.trim()).toBe('ECONNREFUSED');
  });

  it('sets the proxy variables, drops NO_PROXY and the unset names, and puts no value on the command line', async () => {
    const env = { PATH: '/usr/bin:/bin', SERVER_TOKEN: 'token-for-the-server', NO_PROXY: '*' };
    const wrapped = wrapCommand('/usr/bin/env', [], filtered, 'enforce', probe, {
      env,
      networkProxy: proxy.networkProxy,
      unsetEnvironment: sdkDefaultNames,
    });
    expect(wrapped.args.join(' ')).not.toContain('token-for-the-server');
    // What the MCP SDK's stdio transport does: the parent's defaults merged under the entry's environment.
    const merged = { HOME: '/root', LOGNAME: 'gateway', SHELL: '/bin/bash', TERM: 'xterm', USER: 'gateway' };
    const result = await runProcess(wrapped.command, wrapped.args, {
      ...merged,
      no_proxy: '*',
      ...wrapped.env,
    });
    const proxyUrl = 'http://127.0.0.1:3128';
    expect(result.stdout.trim().split('\n').sort()).toEqual([
      `HTTPS_PROXY=${proxyUrl}`,
      `HTTP_PROXY=${proxyUrl}`,
      'PATH=/usr/bin:/bin',
      `PWD=/tmp`,
      'SERVER_TOKEN=token-for-the-server',
      `http_proxy=${proxyUrl}`,
      `https_proxy=${proxyUrl}`,
    ]);
  });

  it('keeps the filter read-only and fails closed without a proxy', async () => {
    const script =
      'ls /run/ironcurtain-network; rm -f /run/ironcurtain-network/node; echo x > /run/ironcurtain-network/other';
    const result = await runSandboxed(filtered, '/bin/sh', ['-c', script], undefined, '', {
      networkProxy: proxy.networkProxy,
    });
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'network-bridge.mjs',
      'node',
      'proxy.sock',
    ]);
    expect(result.stderr).toMatch(/Read-only file system[^]*Read-only file system/);
    const missing = () => wrapCommand('/bin/true', [], filtered, 'enforce', probe, { serverName: 'git' });
    expect(missing).toThrow(/MCP server "git" declares network.allowedDomains.*networkProxy/);
    expect(errorCodeOf(catchError(missing))).toBe('INTERNAL');
  });

  it('passes stdin, stdout and the exit status through the bridge', async () => {
    const script = join(fixture.sessionSandbox, 'echo-lines.mjs');
    await writeFile(
      script,
      `import { createInterface } from 'node:readline';
for await (const line of createInterface({ input: process.stdin })) console.log(JSON.stringify({ echo: line }));
process.exitCode = 7;
`,
    );
    const result = await runSandboxed(filtered, node, [script], undefined, 'first\nsecond\n', {
      networkProxy: proxy.networkProxy,
    });
    expect(result).toMatchObject({ code: 7, stdout: '{"echo":"first"}\n{"echo":"second"}\n', stderr: '' });
  });
});

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
