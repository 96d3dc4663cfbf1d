import { existsSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { errorCodeOf } from '@ironcurtain/errors';
import { readMcpConfig, type McpConfig } from '@ironcurtain/mcp-config';
import { expandSandboxPath, planSandbox, type BubblewrapPlan } from '@ironcurtain/os-sandbox';
import { startTestProxy, type TestProxy } from './network-fixture.js';
import { createSandboxFixture, probeForTests, runSandboxed, type SandboxFixture } from './sandbox-fixture.js';

const probe = await probeForTests();

describe('expandSandboxPath', () => {
  const placeholders = {
    homeDir: '/home/ada',
    sessionSandboxDir: '/home/ada/.ironcurtain/sessions/s1/sandbox',
  };

  it('expands ~ and ${IRONCURTAIN_SANDBOX} and normalizes', () => {
    expect(expandSandboxPath('~', placeholders)).toBe('/home/ada');
    expect(expandSandboxPath('~/Documents/', placeholders)).toBe('/home/ada/Documents');
    expect(expandSandboxPath('${IRONCURTAIN_SANDBOX}/out/../in', placeholders)).toBe(
      '/home/ada/.ironcurtain/sessions/s1/sandbox/in',
    );
    expect(expandSandboxPath('/etc/./ssl', placeholders)).toBe('/etc/ssl');
  });

  it('rejects paths it cannot place', () => {
    for (const path of ['relative/dir', '~ada/x', '${HOME}/x', '/opt/${UNKNOWN}']) {
      expect(errorCodeOf(catchError(() => expandSandboxPath(path, placeholders)))).toBe('CONFIG_INVALID');
    }
  });
});

describe('planSandbox', () => {
  let fixture: SandboxFixture;
  beforeAll(async () => {
    fixture = await createSandboxFixture();
  });
  afterAll(async () => {
    await fixture.remove();
  });

  it('gives a server without a sandbox entry the session sandbox only, and no network', () => {
    const plan = bubblewrap(planSandbox(undefined, fixture.context()));
    expect(plan.network).toEqual({ kind: 'none' });
    expect(plan.bwrapArgs).toEqual(
      expect.arrayContaining(['--unshare-all', '--cap-drop', 'ALL', '--die-with-parent', '--new-session']),
    );
    expect(plan.bwrapArgs).not.toContain('--share-net');
    // A private working directory: nothing the agent wrote in the sandbox is read from the working directory.
    expect(plan.bwrapArgs.slice(-2)).toEqual(['--chdir', '/tmp']);
    const hostBinds = plan.mounts.filter((mount) => mount.origin !== 'system').map((mount) => mount.path);
    expect(hostBinds).toEqual([fixture.nodeInstallDir, fixture.sessionSandbox].sort(byDepth));
    expect(argumentsAfter(plan.bwrapArgs, '--bind')).toEqual([
      [fixture.sessionSandbox, fixture.sessionSandbox],
    ]);
  });

  it('never shares the host network: declared domains make a filtered network with a filter directory', () => {
    const empty = bubblewrap(planSandbox({ network: { allowedDomains: [] } }, fixture.context()));
    expect(empty.network).toEqual({ kind: 'none' });
    expect(empty.mounts.map((mount) => mount.path)).not.toContain('/run/ironcurtain-network');
    const plan = bubblewrap(planSandbox({ network: { allowedDomains: ['a.example'] } }, fixture.context()));
    expect(plan.network).toEqual({ kind: 'filtered', allowedDomains: ['a.example'] });
    expect(plan.bwrapArgs).toContain('--unshare-all');
    expect(plan.bwrapArgs).not.toContain('--share-net');
    expect(plan.mounts).toContainEqual({
      kind: 'tmpfs',
      path: '/run/ironcurtain-network',
      origin: 'network-filter',
    });
    for (const each of [empty, plan]) {
      const paths = each.mounts.map((mount) => mount.path);
      expect(paths).toContain('/etc/hosts');
      // No host network, so no resolver configuration: the domain proxy resolves names outside.
      expect(paths).not.toContain('/etc/resolv.conf');
    }
  });

  it('refuses a filtered network under a grant that would cover its filter directory', () => {
    for (const grant of ['/', '/run']) {
      const attempt = () =>
        planSandbox(
          {
            filesystem: { allowRead: [grant], allowWrite: [], denyRead: [], denyWrite: [] },
            network: { allowedDomains: ['a.example'] },
          },
          fixture.context(),
        );
      if (grant === '/run' && !existsSync('/run')) continue;
      expect(errorCodeOf(catchError(attempt)), grant).toBe('CONFIG_INVALID');
      expect(attempt, grant).toThrow(/\/run\/ironcurtain-network.*grant narrower paths/);
    }
  });

  it('mounts parents before children and makes hiding tmpfs read-only last', () => {
    const plan = bubblewrap(
      planSandbox(
        {
          filesystem: { allowRead: ['~'], allowWrite: [], denyRead: ['~/Documents/private'], denyWrite: [] },
        },
        fixture.context(),
      ),
    );
    const args = plan.bwrapArgs;
    const homeIndex = args.indexOf(fixture.home);
    const sshIndex = args.indexOf(join(fixture.home, '.ssh'));
    const sessionIndex = args.indexOf(fixture.sessionSandbox);
    expect(args[homeIndex - 1]).toBe('--ro-bind');
    expect(args[sshIndex - 1]).toBe('--tmpfs');
    expect(homeIndex).toBeLessThan(sshIndex);
    expect(args.indexOf(join(fixture.home, '.ironcurtain'))).toBeLessThan(sessionIndex);
    expect(args.lastIndexOf(join(fixture.home, '.ssh'))).toBeGreaterThan(sessionIndex);
    expect(args[args.lastIndexOf(join(fixture.home, '.ssh')) - 1]).toBe('--remount-ro');
  });

  it('skips missing grants with a warning but requires the session sandbox', () => {
    const plan = planSandbox(
      { filesystem: { allowRead: ['~/Missing'], allowWrite: [], denyRead: [], denyWrite: [] } },
      fixture.context(),
    );
    expect(plan.warnings).toEqual([
      `allowRead ${join(fixture.home, 'Missing')} does not exist; it is not mounted`,
    ]);
    expect(bubblewrap(plan).bwrapArgs).not.toContain(join(fixture.home, 'Missing'));
    const noSandbox = () =>
      planSandbox(undefined, fixture.context({ sessionSandboxDir: join(fixture.root, 'none') }));
    expect(errorCodeOf(catchError(noSandbox))).toBe('NOT_FOUND');
  });

  it.runIf(probe.isAvailable)(
    'mounts a grant reached through a symlink at its real path and keeps the link',
    async () => {
      const link = join(fixture.root, 'docs-link');
      await symlink(fixture.documents, link);
      const plan = planSandbox(
        { filesystem: { allowRead: [link], allowWrite: [], denyRead: [], denyWrite: [] } },
        fixture.context(),
      );
      expect(bubblewrap(plan).mounts).toEqual(
        expect.arrayContaining([
          { kind: 'read-only', path: fixture.documents, source: fixture.documents, origin: 'allowRead' },
          { kind: 'symlink', path: link, source: fixture.documents, origin: 'allowRead' },
        ]),
      );
      const result = await runSandboxed(plan, '/bin/cat', [
        join(link, 'notes.txt'),
        join(fixture.documents, 'notes.txt'),
      ]);
      expect(result).toMatchObject({ code: 0, stdout: 'notes\nnotes\n' });
    },
  );

  it.runIf(probe.isAvailable)('plans every shipped server so that bubblewrap accepts it', async () => {
    await mkdir(join(fixture.home, 'Downloads'), { recursive: true });
    const config = await readMcpConfig(join(defaultPolicyDir, 'mcp-servers.json'));
    let proxy: TestProxy | undefined;
    try {
      proxy = await startTestProxy(fixture, { allowedDomains: ['*'] });
      await runShippedServers(config, proxy);
    } finally {
      await proxy?.close();
    }
  });

  async function runShippedServers(config: McpConfig, proxy: TestProxy): Promise<void> {
    for (const [name, entry] of Object.entries(config)) {
      if (entry.container !== undefined) continue; // a container server runs in Docker, not in bubblewrap
      const plan = bubblewrap(planSandbox(entry.sandbox, fixture.context()));
      const network = entry.sandbox === false ? undefined : entry.sandbox?.network;
      const hasDomains = network !== undefined && network !== false && network.allowedDomains.length > 0;
      expect(plan.network.kind, name).toBe(hasDomains ? 'filtered' : 'none');
      const result = await runSandboxed(plan, '/bin/ls', ['-A', fixture.home], undefined, '', {
        networkProxy: proxy.networkProxy,
      });
      expect(result, name).toMatchObject({ code: 0, stderr: '' });
      // denyRead ~ and no grant of ~: only what the server was granted (and the session's path) is there.
      expect(result.stdout.split('\n').filter(Boolean).sort(), name).toEqual(
        name === 'filesystem'
          ? ['.ironcurtain', 'Documents', 'Downloads']
          : name === 'git'
            ? ['.ironcurtain', 'Documents']
            : ['.ironcurtain'],
      );
    }
  }
});

function bubblewrap(plan: ReturnType<typeof planSandbox>): BubblewrapPlan {
  if (plan.kind !== 'bubblewrap') throw new Error(`expected a bubblewrap plan, got ${plan.kind}`);
  return plan;
}

function argumentsAfter(args: string[], option: string): string[][] {
  return args.flatMap((arg, index) => (arg === option ? [args.slice(index + 1, index + 3)] : []));
}

function byDepth(left: string, right: string): number {
  return left.split('/').length - right.split('/').length || left.localeCompare(right);
}

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
