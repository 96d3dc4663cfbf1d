// How a config entry becomes a command: placeholders, `~`, and npx replaced by the installed packages' bins run with
// this Node — nothing is downloaded at run time. Runs against the shipped config and the real node_modules.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shippedMcpConfigPath } from '@ironcurtain/default-policy';
import { McpConfig } from '@ironcurtain/mcp-config';
import { resolveInstalledCommand } from '../src/domain/servers/installed-servers.js';
import { launchCommand } from '../src/domain/servers/launch-command.js';
import { resolveServerEntry, selectServers } from '../src/domain/servers/server-entries.js';

const shipped = McpConfig.parse(JSON.parse(readFileSync(shippedMcpConfigPath, 'utf8')));
const placement = { sessionId: 's1', sandboxDir: '/data/sessions/s1/sandbox', homeDir: '/home/ada' };
const resolution = {
  nodePath: '/opt/node24/bin/node',
  searchFrom: import.meta.dirname,
  fetchServerPath: '/opt/ironcurtain/mcp-servers/fetch/bin/fetch-server.js',
  credentials: {},
};
const repositoryRoot = join(import.meta.dirname, '..', '..', '..');

describe('resolveServerEntry on the shipped config', () => {
  it('runs the filesystem server from node_modules with this Node, on the session sandbox and the home folders', () => {
    const entry = resolveServerEntry('filesystem', shipped['filesystem'] as never, placement, resolution);
    expect(entry.command).toBe('/opt/node24/bin/node');
    expect(entry.args).toEqual([
      join(repositoryRoot, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js'),
      '/data/sessions/s1/sandbox',
      '/home/ada/Downloads',
      '/home/ada/Documents',
    ]);
    expect(entry.sandbox).toMatchObject({
      filesystem: { allowWrite: ['/data/sessions/s1/sandbox', '/home/ada/Downloads'] },
    });
  });

  it('runs the git server from node_modules with its env, and adds the credentials of that server only', () => {
    const entry = resolveServerEntry('git', shipped['git'] as never, placement, {
      ...resolution,
      credentials: { GITHUB_TOKEN: 'ghp_secret' },
    });
    expect(entry.args).toEqual([
      join(repositoryRoot, 'node_modules', '@cyanheads', 'git-mcp-server', 'dist', 'index.js'),
    ]);
    expect(entry.env).toMatchObject({
      ...(shipped['git'] as { env?: object }).env,
      GITHUB_TOKEN: 'ghp_secret',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/tmp',
    });
    expect(entry.env).toMatchObject({ MCP_TRANSPORT_TYPE: 'stdio' });
    const filesystem = resolveServerEntry('filesystem', shipped['filesystem'] as never, placement, {
      ...resolution,
      credentials: {},
    });
    expect(filesystem.env).toEqual({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp' });
  });

  it("gives the git server git's safety environment, after any command-scope config of its entry", () => {
    const entry = resolveServerEntry(
      'git',
      {
        ...(shipped['git'] as object),
        env: {
          GIT_CONFIG_COUNT: '2',
          GIT_CONFIG_KEY_0: 'url.file:///srv/forge/.insteadOf',
          GIT_CONFIG_VALUE_0: 'https://forge.example/',
          GIT_CONFIG_KEY_1: 'core.fsmonitor',
          GIT_CONFIG_VALUE_1: 'touch /tmp/operator-chose-this',
          GIT_SIGN_COMMITS: 'true',
          GIT_CONFIG_NOSYSTEM: '0',
        },
      } as never,
      placement,
      resolution,
    );
    const pairs: string[] = [];
    for (let index = 0; index < Number(entry.env['GIT_CONFIG_COUNT']); index += 1)
      pairs.push(`${entry.env[`GIT_CONFIG_KEY_${index}`]}=${entry.env[`GIT_CONFIG_VALUE_${index}`]}`);
    expect(pairs.slice(0, 2)).toEqual([
      'url.file:///srv/forge/.insteadOf=https://forge.example/',
      'core.fsmonitor=touch /tmp/operator-chose-this',
    ]);
    // IronCurtain's settings come later, so git takes them for the same key; the rest of the environment is pinned.
    expect(pairs.lastIndexOf('core.fsmonitor=false')).toBeGreaterThan(1);
    expect(pairs).toContain('safe.bareRepository=explicit');
    expect(entry.env).toMatchObject({
      GIT_SIGN_COMMITS: 'false',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CEILING_DIRECTORIES: '/data/sessions/s1',
    });
    const filesystem = resolveServerEntry(
      'filesystem',
      shipped['filesystem'] as never,
      placement,
      resolution,
    );
    expect(Object.keys(filesystem.env).filter((name) => name.startsWith('GIT_'))).toEqual([]);
  });

  it('runs the fetch server with this Node rather than the `node` on PATH', () => {
    const entry = resolveServerEntry('fetch', shipped['fetch'] as never, placement, resolution);
    expect(entry).toMatchObject({ command: '/opt/node24/bin/node', args: [resolution.fetchServerPath] });
  });

  it('wraps the resolved entry in bubblewrap, or refuses under enforce when bubblewrap is unusable', () => {
    const entry = resolveServerEntry('git', shipped['git'] as never, placement, resolution);
    const sandboxing = {
      policy: 'enforce' as const,
      probe: { isAvailable: true, bwrapPath: '/usr/bin/bwrap', hasUserNamespace: true },
      allowUnsandboxed: [],
      ironcurtainHome: '/data',
      runtimeReadOnly: [],
      nodePath: '/opt/node24/bin/node',
    };
    const sandboxDir = mkdtempSync(join(tmpdir(), 'gw-launch-'));
    const socket = join(sandboxDir, 'filter.sock');
    const launch = launchCommand('git', entry, { ...placement, sandboxDir }, sandboxing, socket);
    expect(launch).toMatchObject({
      command: '/usr/bin/bwrap',
      cwd: sandboxDir,
      isSandboxed: true,
      env: { ...entry.env, HTTPS_PROXY: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) },
    });
    expect(launch.args.slice(-entry.args.length - 1)).toEqual([entry.command, ...entry.args]);
    // No host network, the filter's socket bound in, and what the MCP SDK would add from the gateway's env unset.
    expect(launch.args).not.toContain('--share-net');
    expect(launch.args.join(' ')).toContain(`--ro-bind ${socket} /run/ironcurtain-network/proxy.sock`);
    for (const name of ['LOGNAME', 'SHELL', 'TERM', 'USER'])
      expect(launch.args.join(' ')).toContain(`--unsetenv ${name}`);
    expect(launch.args.join(' ')).not.toContain('--unsetenv PATH');
    expect(() => launchCommand('git', entry, { ...placement, sandboxDir }, sandboxing)).toThrow(/network/);
    const unusable = {
      ...sandboxing,
      probe: { isAvailable: false, bwrapPath: '/nope', hasUserNamespace: false, reason: 'missing' },
    };
    expect(() => launchCommand('git', entry, { ...placement, sandboxDir }, unusable)).toThrow(/bubblewrap/);
    const warned = launchCommand('git', entry, { ...placement, sandboxDir }, { ...unusable, policy: 'warn' });
    expect(warned).toMatchObject({ command: entry.command, isSandboxed: false, warning: expect.any(String) });
  });

  it('names an unknown placeholder', () => {
    const entry = McpConfig.parse({ x: { command: 'node', args: ['${IRONCURTAIN_NOPE}'] } })['x'];
    expect(() => resolveServerEntry('x', entry as never, placement, resolution)).toThrow(
      /server "x": unknown placeholder \$\{IRONCURTAIN_NOPE\} \(known: \$\{IRONCURTAIN_SANDBOX\}, \$\{IRONCURTAIN_FETCH_SERVER\}\)/,
    );
  });
});

describe('resolveInstalledCommand', () => {
  const options = { nodePath: '/n', searchFrom: import.meta.dirname };

  it('refuses a version other than the installed one, and a package the gateway does not ship', () => {
    expect(() =>
      resolveInstalledCommand(
        'fs',
        'npx',
        ['-y', '@modelcontextprotocol/server-filesystem@2025.1.1'],
        options,
      ),
    ).toThrow(/pins @modelcontextprotocol\/server-filesystem@2025\.1\.1 but .*@2026\.8\.31 is installed/);
    expect(() => resolveInstalledCommand('evil', 'npx', ['-y', 'left-pad@1.0.0'], options)).toThrow(
      /left-pad is not installed with the gateway/,
    );
  });

  it('keeps other commands as they are', () => {
    expect(resolveInstalledCommand('x', '/usr/bin/uvx', ['srv'], options)).toEqual({
      command: '/usr/bin/uvx',
      args: ['srv'],
    });
  });
});

describe('selectServers', () => {
  it('leaves the fetch server out, with the reason, while its entry file is missing', () => {
    const { servers, skipped } = selectServers(shipped, '/nowhere/fetch-server.js');
    expect([...servers.keys()]).toEqual(['filesystem', 'git', 'github']);
    expect(skipped).toEqual([
      {
        serverName: 'fetch',
        reason:
          '/nowhere/fetch-server.js does not exist (build mcp-servers/fetch or set IRONCURTAIN_FETCH_SERVER)',
      },
    ]);
  });
});
