import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeOf } from '@ironcurtain/errors';
import {
  networkBridgeScriptPath,
  planSandbox,
  probeSandbox,
  wrapCommand,
  type SandboxProbe,
} from '@ironcurtain/os-sandbox';
import { createSandboxFixture, runProcess, type SandboxFixture } from './sandbox-fixture.js';

const env = { PATH: '/usr/bin:/bin' };

describe('probeSandbox', () => {
  let fixture: SandboxFixture;
  beforeAll(async () => {
    fixture = await createSandboxFixture();
  });
  afterAll(async () => {
    await fixture.remove();
  });

  it('finds a working bubblewrap here and caches the answer', async () => {
    const first = probeSandbox();
    expect(probeSandbox()).toBe(first);
    expect(await first).toMatchObject({
      isAvailable: true,
      bwrapPath: expect.stringMatching(/^\/.*\/bwrap$/),
    });
  });

  it('reports a missing binary with how to install it', async () => {
    const probe = await probeSandbox({ bwrapPath: join(fixture.root, 'no-such-bwrap') });
    expect(probe.isAvailable).toBe(false);
    expect(probe.reason).toMatch(/bubblewrap is not installed.*no-such-bwrap.*apt-get install bubblewrap/);
  });

  it('reports a bwrap that cannot build a sandbox, with the namespace fix', async () => {
    // Stands in for a kernel with user namespaces disabled, which this machine's kernel cannot be switched to.
    const failing = join(fixture.root, 'failing-bwrap');
    await writeFile(failing, "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n");
    await chmod(failing, 0o755);
    const probe = await probeSandbox({ bwrapPath: failing });
    expect(probe.isAvailable).toBe(false);
    expect(probe.reason).toContain('setting up uid map: Permission denied');
    expect(probe.reason).toMatch(/user namespaces/);
  });
});

describe('wrapCommand', () => {
  let fixture: SandboxFixture;
  let probe: SandboxProbe;
  let unavailable: SandboxProbe;
  beforeAll(async () => {
    fixture = await createSandboxFixture();
    probe = await probeSandbox();
    unavailable = await probeSandbox({ bwrapPath: join(fixture.root, 'missing-bwrap') });
  });
  afterAll(async () => {
    await fixture.remove();
  });

  it('runs the command under bwrap after the sandbox arguments', () => {
    const plan = planSandbox(undefined, fixture.context());
    const wrapped = wrapCommand('node', ['server.js', '--flag'], plan, 'enforce', probe, { env });
    expect(wrapped).toMatchObject({ command: probe.bwrapPath, isSandboxed: true, env });
    expect(wrapped.warning).toBeUndefined();
    expect(wrapped.args.slice(-4)).toEqual(['--', 'node', 'server.js', '--flag']);
    expect(wrapped.args.slice(0, 2)).toEqual(
      probe.hasUserNamespace ? ['--unshare-user', '--disable-userns'] : [],
    );
  });

  it('runs a filtered plan behind the bridge, with the filter bound read-only and the proxy variables set', () => {
    const plan = planSandbox({ network: { allowedDomains: ['github.com'] } }, fixture.context());
    const networkProxy = { socketPath: join(fixture.root, 'proxy.sock'), nodePath: '/opt/node/bin/node' };
    const wrapped = wrapCommand('git-server', ['--stdio'], plan, 'enforce', probe, {
      env: { ...env, NO_PROXY: 'github.com', HTTPS_PROXY: 'http://elsewhere:8080' },
      networkProxy,
      unsetEnvironment: ['HOME'],
    });
    const separator = wrapped.args.indexOf('--');
    const options = wrapped.args.slice(0, separator);
    expect(options).not.toContain('--share-net');
    expect(options.join(' ')).toContain(
      `--ro-bind ${networkProxy.socketPath} /run/ironcurtain-network/proxy.sock ` +
        `--ro-bind /opt/node/bin/node /run/ironcurtain-network/node ` +
        `--ro-bind ${networkBridgeScriptPath} /run/ironcurtain-network/network-bridge.mjs ` +
        '--remount-ro /run/ironcurtain-network',
    );
    expect(options.join(' ')).toContain('--unsetenv HOME --unsetenv NO_PROXY --unsetenv no_proxy');
    expect(wrapped.args.slice(separator)).toEqual([
      '--',
      '/run/ironcurtain-network/node',
      '/run/ironcurtain-network/network-bridge.mjs',
      '/run/ironcurtain-network/proxy.sock',
      '3128',
      '--',
      'git-server',
      '--stdio',
    ]);
    expect(wrapped.env).toEqual({
      PATH: '/usr/bin:/bin',
      HTTP_PROXY: 'http://127.0.0.1:3128',
      HTTPS_PROXY: 'http://127.0.0.1:3128',
      http_proxy: 'http://127.0.0.1:3128',
      https_proxy: 'http://127.0.0.1:3128',
    });
    expect(existsSync(networkBridgeScriptPath)).toBe(true);
  });

  it('does not ask for a proxy when a filtered server runs unsandboxed under warn', () => {
    const plan = planSandbox({ network: { allowedDomains: ['github.com'] } }, fixture.context());
    const wrapped = wrapCommand('/bin/echo', [], plan, 'warn', unavailable, { env, serverName: 'git' });
    expect(wrapped).toMatchObject({ isSandboxed: false, env });
    expect(wrapped.warning).toMatch(/^UNSANDBOXED: .*reach any network host/);
  });

  it('refuses to start under enforce when bubblewrap is unavailable, saying how to fix it', () => {
    const plan = planSandbox(undefined, fixture.context());
    const attempt = () => wrapCommand('node', [], plan, 'enforce', unavailable, { serverName: 'filesystem' });
    expect(attempt).toThrow(/MCP server "filesystem"/);
    expect(attempt).toThrow(
      /install bubblewrap, enable unprivileged user namespaces, or set sandboxPolicy to "warn"/,
    );
    expect(errorCodeOf(catchError(attempt))).toBe('UNAVAILABLE');
  });

  it('runs unsandboxed under warn when bubblewrap is unavailable, with a loud warning', async () => {
    const plan = planSandbox(undefined, fixture.context());
    const wrapped = wrapCommand('/bin/echo', ['ran'], plan, 'warn', unavailable, { env, serverName: 'git' });
    expect(wrapped).toMatchObject({ command: '/bin/echo', args: ['ran'], isSandboxed: false });
    expect(wrapped.warning).toMatch(/^UNSANDBOXED: MCP server "git".*bubblewrap is not installed/);
    expect(await runProcess(wrapped.command, wrapped.args, wrapped.env)).toMatchObject({
      code: 0,
      stdout: 'ran\n',
    });
  });

  it('treats sandbox: false as refused under enforce unless the server is in allowUnsandboxed', () => {
    const plan = planSandbox(false, fixture.context());
    expect(plan.kind).toBe('opted-out');
    const refused = () => wrapCommand('node', [], plan, 'enforce', probe, { serverName: 'legacy' });
    expect(errorCodeOf(catchError(refused))).toBe('CONFIG_INVALID');
    expect(refused).toThrow(/"sandbox": false.*allowUnsandboxed.*sandboxPolicy to "warn"/);
    const allowed = wrapCommand('node', ['a'], plan, 'enforce', probe, {
      serverName: 'legacy',
      allowUnsandboxed: ['legacy'],
    });
    expect(allowed).toMatchObject({ command: 'node', args: ['a'], isSandboxed: false });
    expect(allowed.warning).toMatch(/^UNSANDBOXED: MCP server "legacy"/);
    const warned = wrapCommand('node', [], plan, 'warn', probe, { serverName: 'legacy' });
    expect(warned.isSandboxed).toBe(false);
    expect(warned.warning).toMatch(/^UNSANDBOXED/);
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
