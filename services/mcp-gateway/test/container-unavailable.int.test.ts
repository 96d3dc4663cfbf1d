// A container server that cannot start says why, and how to fix it: a required credential that is not set (the
// GitHub token), or a Docker engine that does not answer. No Docker engine is needed here: the socket is made up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '@ironcurtain/bus';
import { createLogger } from '@ironcurtain/log';
import { McpgwCatalog } from '@ironcurtain/proto-schemas';
import { eventually } from '@ironcurtain/testing';
import { createWorld, type World } from './gateway-world.js';

let world: World;
const logLines: Array<{ msg?: string; serverName?: string; reason?: string; level?: string }> = [];
const githubEntry = {
  description: 'GitHub',
  container: { image: 'ghcr.io/github/github-mcp-server', args: ['stdio'], network: 'bridge' },
  credentials: ['GITHUB_PERSONAL_ACCESS_TOKEN'],
  sandbox: { network: { allowedDomains: ['api.github.com'] } },
};

beforeAll(async () => {
  world = await createWorld({
    servers: { github: githubEntry, boxed: { ...githubEntry, credentials: ['BOXED_TOKEN'] } },
    env: {
      MCPGW_SERVER_CREDENTIALS: JSON.stringify({ boxed: { BOXED_TOKEN: 'boxed_test_not_a_real_token' } }),
      DOCKER_HOST: 'unix:///nonexistent/placeholder.sock',
    },
    logger: createLogger({
      service: 'mcp-gateway',
      version: 'test',
      destination: { write: (line: string) => void logLines.push(JSON.parse(line) as never) },
    }),
  });
});
afterAll(async () => {
  await world?.dispose();
});

describe('a container server whose token is not set', () => {
  const namesTheToken = expect.stringMatching(
    /MCP server "github" is not started: its credential GITHUB_PERSONAL_ACCESS_TOKEN is not set\. Set it with `ironcurtain config set serverCredentials\.github\.GITHUB_PERSONAL_ACCESS_TOKEN …` \(or MCPGW_SERVER_CREDENTIALS=/,
  );

  it('is listed down with no tools, and asking for it names the variable', async () => {
    const catalog = await request(world.client, McpgwCatalog, {}, { timeoutMs: 20_000 });
    expect(catalog.servers.find((server) => server.name === 'github')).toMatchObject({
      status: 'down',
      tools: [],
      network: 'Docker network "bridge", not filtered by domain (declares api.github.com)',
    });
    await expect(
      request(world.client, McpgwCatalog, { serverName: 'github' }, { timeoutMs: 20_000 }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE', message: namesTheToken });
  });

  it('refuses a prepare for its tools with the same reason', async () => {
    await world.sandboxOf('u-token');
    await expect(world.prepare('u-token', 'github', 'get_me', {})).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: namesTheToken,
    });
  });

  it('is reported in the gateway log when the gateway starts', async () => {
    const line = await eventually('the warning', () =>
      logLines.find((entry) => entry.msg === 'MCP server cannot start' && entry.serverName === 'github'),
    );
    expect(line).toMatchObject({ level: 'warn', reason: namesTheToken });
  });
});

describe('a container server while Docker is unreachable', () => {
  const namesTheSocket = expect.stringContaining(
    'MCP server "boxed" runs in a Docker container, but Docker is not reachable at ' +
      'unix:///nonexistent/placeholder.sock (ENOENT): start the Docker engine',
  );

  it('fails to start with the socket it tried and how to fix it', async () => {
    await world.sandboxOf('u-docker');
    const failure = world.prepare('u-docker', 'boxed', 'get_me', {});
    await expect(failure).rejects.toMatchObject({ code: 'UNAVAILABLE', message: namesTheSocket });
    await expect(failure).rejects.toMatchObject({ message: expect.stringContaining('set DOCKER_HOST') });
  });

  it('is reported in the gateway log when the gateway starts', async () => {
    const line = await eventually('the warning', () =>
      logLines.find((entry) => entry.msg === 'MCP server cannot start' && entry.serverName === 'boxed'),
    );
    expect(line).toMatchObject({ level: 'warn', reason: namesTheSocket });
    expect(JSON.stringify(logLines)).not.toContain('boxed_test_not_a_real_token');
  });
});
