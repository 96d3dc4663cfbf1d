// How a container entry becomes a container: the shipped GitHub entry resolved for a session, the Docker create
// options that confine it, and the reason a server missing its token is not started.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isContainerEntry, McpConfig } from '@ironcurtain/mcp-config';
import { containerCreateOptions } from '../src/domain/containers/container-options.js';
import { createDockerEngine } from '@ironcurtain/docker-engine';
import { shippedMcpConfigPath } from '@ironcurtain/default-policy';
import { resolveContainerEntry } from '../src/domain/servers/server-entries.js';
import { createUnavailableServer, notStartedReason } from '../src/domain/servers/unavailable-server.js';

const shipped = McpConfig.parse(JSON.parse(readFileSync(shippedMcpConfigPath, 'utf8')));
const github = shipped['github'];
if (github === undefined || !isContainerEntry(github))
  throw new Error('the shipped config has no github container');
const placement = { sessionId: 's1', sandboxDir: '/data/sessions/s1/sandbox', homeDir: '/home/ada' };
const token = { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_test_not_a_real_token' };

describe('the shipped github entry', () => {
  it('runs ghcr.io/github/github-mcp-server:v0.32.0 stdio on the bridge network, with the token in its env only', () => {
    const spec = resolveContainerEntry('github', github, placement, token);
    expect(spec).toEqual({
      serverName: 'github',
      sessionId: 's1',
      image: 'ghcr.io/github/github-mcp-server:v0.32.0',
      args: ['stdio'],
      env: token,
      network: 'bridge',
      user: '65534:65534',
      memoryMb: 512,
      pidsLimit: 256,
    });
    const options = containerCreateOptions(spec);
    expect(options.Env).toEqual(['GITHUB_PERSONAL_ACCESS_TOKEN=ghp_test_not_a_real_token']);
    expect(JSON.stringify({ ...options, Env: [] })).not.toContain('ghp_test');
  });

  it('is not started without the token, and says which variable to set and where', async () => {
    expect(notStartedReason('github', github, token)).toBeUndefined();
    const reason = notStartedReason('github', github, { GITHUB_PERSONAL_ACCESS_TOKEN: '' });
    expect(reason).toBe(
      'MCP server "github" is not started: its credential GITHUB_PERSONAL_ACCESS_TOKEN is not set. Set it ' +
        'with `ironcurtain config set serverCredentials.github.GITHUB_PERSONAL_ACCESS_TOKEN …` (or ' +
        'MCPGW_SERVER_CREDENTIALS={"github":{"GITHUB_PERSONAL_ACCESS_TOKEN":"…"}} for the gateway), then restart ' +
        'the stack (`ironcurtain up`; compose: `ironcurtain deploy init --settings-only`, `docker compose up -d`)',
    );
    const server = createUnavailableServer('github', reason as string);
    expect(server.status).toBe('down');
    await expect(server.tools()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: reason,
      retryable: false,
    });
    await expect(server.callTool('get_me', {}, 1000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('containerCreateOptions', () => {
  it('attaches stdio without a TTY, removes the container on exit, and confines it', () => {
    const options = containerCreateOptions({
      ...resolveContainerEntry('github', github, placement, token),
      network: 'none',
    });
    expect(options).toMatchObject({
      Image: 'ghcr.io/github/github-mcp-server:v0.32.0',
      Cmd: ['stdio'],
      User: '65534:65534',
      AttachStdin: true,
      OpenStdin: true,
      StdinOnce: true,
      Tty: false,
      Labels: { 'dev.ironcurtain.mcp-server': 'github', 'dev.ironcurtain.session': 's1' },
    });
    expect(options.HostConfig).toMatchObject({
      AutoRemove: true,
      NetworkMode: 'none',
      PortBindings: {},
      PublishAllPorts: false,
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Memory: 512 * 1024 * 1024,
      MemorySwap: 512 * 1024 * 1024,
      PidsLimit: 256,
    });
    expect(options.HostConfig?.Binds).toBeUndefined();
    expect(options.HostConfig?.Mounts).toBeUndefined();
  });
});

describe('createDockerEngine', () => {
  it('uses DOCKER_HOST, else the default socket', () => {
    expect(createDockerEngine(undefined).endpoint).toBe('unix:///var/run/docker.sock');
    expect(createDockerEngine('unix:///run/user/1000/docker.sock').endpoint).toBe(
      'unix:///run/user/1000/docker.sock',
    );
    expect(createDockerEngine('unix:///run/user/1000/docker.sock').client.modem).toMatchObject({
      socketPath: '/run/user/1000/docker.sock',
    });
    const tcp = createDockerEngine('tcp://127.0.0.1:2375');
    expect(tcp.client.modem).toMatchObject({ host: '127.0.0.1', port: 2375 });
  });
});
