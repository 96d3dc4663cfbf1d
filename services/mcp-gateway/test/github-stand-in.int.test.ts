// GitHub in the shipped policy, through the whole path: the real PDP process with the shipped default policy, the
// real gateway, and the shipped `github` entry of mcp-servers.json run in a real Docker container whose image is the
// stand-in GitHub MCP server (@ironcurtain/testing: the pinned version's tool names and schemas, canned answers).
// Only the image differs from the shipped entry (the MCP config a test passes is how the gateway picks an image),
// and GITHUB_TOOLSETS adds the `stargazers` tool set, whose tools the policy does not annotate.
import { spawn, type ChildProcess } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, pingServices, request, serve, type Bus } from '@ironcurtain/bus';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { EscalationOpen, McpgwCatalog, PdpToolCall } from '@ironcurtain/proto-schemas';
import {
  ensureStandInGithubMcpImage,
  eventually,
  readGithubMcpServerTools,
  stopProcess,
} from '@ironcurtain/testing';
import { dockerForTests, removeContainersOf } from './docker-fixture.js';
import { createWorld, textOf, type World } from './gateway-world.js';

const pdpEntry = fileURLToPath(new URL('../../policy-decision-point/dist/index.js', import.meta.url));
const fakeToken = 'ghp_stand_in_not_a_real_token_7d1e';
const docker = await dockerForTests();
let world: World;
let pdp: ChildProcess;
let pdpStderr = '';
let router: Bus;
const tickets: Array<{ toolName: string; rule: string; canonicalArguments: Record<string, unknown> }> = [];
let humanAnswer: 'approved' | 'denied' = 'denied';

async function startWorld(): Promise<void> {
  await access(pdpEntry).catch(() => {
    throw new Error(`${pdpEntry} is missing: build first (npx tsc -b services/policy-decision-point)`);
  });
  await removeContainersOf(docker.engine, 'github');
  const { tag } = await ensureStandInGithubMcpImage(docker.engine);
  const shipped = JSON.parse(await readFile(join(defaultPolicyDir, 'mcp-servers.json'), 'utf8')) as {
    github: { container: Record<string, unknown> };
  };
  const github = {
    ...shipped.github,
    container: { ...shipped.github.container, image: tag, env: { GITHUB_TOOLSETS: 'default,stargazers' } },
  };
  world = await createWorld({
    servers: { github },
    trustSigner: false,
    env: {
      MCPGW_CALL_TIMEOUT_MS: '20000',
      MCPGW_SERVER_CREDENTIALS: JSON.stringify({ github: { GITHUB_PERSONAL_ACCESS_TOKEN: fakeToken } }),
      ...(process.env['DOCKER_HOST'] === undefined ? {} : { DOCKER_HOST: process.env['DOCKER_HOST'] }),
    },
  });
  router = await connectBus({ url: world.nats.url, name: 'escalation-router' });
  await serve(router, EscalationOpen, (ticket) => {
    tickets.push(ticket);
    return { ticketId: `t-${tickets.length}`, status: humanAnswer, approver: 'alice', autoApproved: false };
  });
  pdp = spawn(process.execPath, [pdpEntry], {
    env: {
      PATH: process.env['PATH'],
      NATS_URL: world.nats.url,
      IRONCURTAIN_HOME: world.home,
      IRONCURTAIN_MCP_CONFIG: join(world.root, 'mcp-servers.json'),
      PDP_PROTECTED_CWD: world.root,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  pdp.stderr?.on('data', (chunk: Buffer) => (pdpStderr += chunk.toString()));
  await eventually(
    'the PDP to answer $SRV.PING',
    async () => (await pingServices(world.client, 'policy-decision-point')).length > 0,
    20_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; PDP stderr: ${pdpStderr}`);
  });
}

const githubCall = async (sessionId: string, toolName: string, args: Record<string, unknown>) => {
  await world.sandboxOf(sessionId);
  return request(
    world.client,
    PdpToolCall,
    { callId: world.nextCallId(), sessionId, serverName: 'github', toolName, arguments: args },
    { timeoutMs: 60_000 },
  );
};

// The stand-in logs every call it answers to stderr, which the gateway appends to the session's github.log.
const callsSeenByServer = async (sessionId: string): Promise<string[]> => {
  const log = await readFile(join(world.home, 'sessions', sessionId, 'logs', 'github.log'), 'utf8').catch(
    () => '',
  );
  return log.split('\n').filter((line) => line.startsWith('call '));
};

// Every call the server answered in a session, up to a get_me made last: its stderr is one ordered stream, so once
// the get_me line is in the log, any earlier call would be too.
const callsBeforeGetMe = async (sessionId: string): Promise<Array<{ name?: string; arguments: unknown }>> => {
  const reply = await githubCall(sessionId, 'get_me', {});
  expect(reply).toMatchObject({ outcome: 'executed', decision: { rule: 'allow-github-reads' } });
  const calls = await eventually(
    `the get_me line in the github log of ${sessionId}`,
    async () => {
      const seen = await callsSeenByServer(sessionId);
      return seen.at(-1) === 'call get_me {}' ? seen : undefined;
    },
    10_000,
  );
  return calls.slice(0, -1).map((line) => {
    const [, name, json] = /^call (\S+) (.*)$/.exec(line) ?? [];
    return { name, arguments: JSON.parse(json ?? 'null') as unknown };
  });
};

if (docker.unavailableReason !== undefined) {
  describe('GitHub through the gateway', () => {
    it.skip(`needs a Docker engine: ${docker.unavailableReason}`, () => undefined);
  });
} else {
  beforeAll(startWorld, 180_000);
  afterAll(async () => {
    if (pdp !== undefined) await stopProcess(pdp);
    await router?.close();
    await world?.dispose();
    await removeContainersOf(docker.engine, 'github');
  });

  describe('GitHub through the real PDP, gateway and the stand-in github-mcp-server container', () => {
    it('lists the pinned version tools, annotated except for the tool set the policy does not describe', async () => {
      const facts = await readGithubMcpServerTools();
      const catalog = await request(
        world.client,
        McpgwCatalog,
        { serverName: 'github' },
        { timeoutMs: 60_000 },
      );
      const [server] = catalog.servers;
      expect(server).toMatchObject({ name: 'github', status: 'up', sandboxed: true });
      const served = facts.tools.filter((tool) =>
        ['stargazers', ...facts.defaultToolsets].includes(tool.toolset),
      );
      expect(server?.tools.map((tool) => tool.name)).toEqual(served.map((tool) => tool.name));
      const unannotated = server?.tools
        .filter((tool) => tool.annotation === undefined)
        .map((tool) => tool.name);
      expect(unannotated).toEqual(['list_starred_repositories', 'star_repository', 'unstar_repository']);
    });

    it('allows a read (issue_read, the pinned version of get_issue) and runs it in the container', async () => {
      const reply = await githubCall('gh-read', 'issue_read', {
        method: 'get',
        owner: 'NodeJS',
        repo: 'node',
        issue_number: 7,
      });
      expect(reply).toMatchObject({
        outcome: 'executed',
        decision: { decision: 'allow', rule: 'allow-github-reads' },
        isError: false,
      });
      // The owner reached the server in its canonical (lower case) form, and the stand-in answered from it.
      const issue = JSON.parse(textOf({ content: reply.content ?? [] })) as Record<string, unknown>;
      expect(issue).toMatchObject({ number: 7, html_url: 'https://github.com/nodejs/node/issues/7' });
      expect(await callsBeforeGetMe('gh-read')).toEqual([
        { name: 'issue_read', arguments: { method: 'get', owner: 'nodejs', repo: 'node', issue_number: 7 } },
      ]);
      expect(tickets.filter((ticket) => ticket.toolName === 'issue_read')).toEqual([]);
    });

    it('escalates create_pull_request, and never runs it when the human denies', async () => {
      humanAnswer = 'denied';
      const args = {
        owner: 'octo-org',
        repo: 'service',
        title: 'Fix the crash',
        head: 'fix-crash',
        base: 'main',
      };
      const reply = await githubCall('gh-pr-denied', 'create_pull_request', args);
      expect(reply.outcome).toBe('denied');
      expect(reply.decision).toMatchObject({ decision: 'deny', rule: 'escalation-denied' });
      expect(reply.message).toMatch(/^ESCALATION DENIED: /);
      expect(tickets.at(-1)).toMatchObject({
        toolName: 'create_pull_request',
        rule: 'escalate-github-pull-request-changes',
        canonicalArguments: args,
      });
      expect(await callsBeforeGetMe('gh-pr-denied')).toEqual([]);
    });

    it('runs create_pull_request once a human approves it', async () => {
      humanAnswer = 'approved';
      const args = {
        owner: 'octo-org',
        repo: 'service',
        title: 'Fix the crash',
        head: 'fix-crash',
        base: 'main',
      };
      const reply = await githubCall('gh-pr-approved', 'create_pull_request', args);
      expect(reply).toMatchObject({
        outcome: 'executed',
        escalation: { status: 'approved' },
        isError: false,
      });
      expect(JSON.parse(textOf({ content: reply.content ?? [] }))).toEqual({
        id: '4201',
        url: 'https://github.com/octo-org/service/pull/42',
      });
      expect(await callsBeforeGetMe('gh-pr-approved')).toEqual([
        { name: 'create_pull_request', arguments: args },
      ]);
    });

    it('denies a tool the policy does not annotate, even one the server lists', async () => {
      const starred = await githubCall('gh-unknown', 'star_repository', { owner: 'nodejs', repo: 'node' });
      expect(starred).toMatchObject({
        outcome: 'denied',
        decision: { decision: 'deny', rule: 'structural-unknown-tool' },
      });
      // get_issue is not a tool of the pinned version (it became issue_read): the gateway knows no such tool.
      const renamed = await githubCall('gh-unknown', 'get_issue', {
        owner: 'nodejs',
        repo: 'node',
        issue_number: 1,
      });
      expect(renamed).toMatchObject({ outcome: 'denied', decision: { decision: 'deny' } });
      expect(await callsBeforeGetMe('gh-unknown')).toEqual([]);
    });
  });
}
