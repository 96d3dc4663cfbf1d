// Annotation of the real built-in MCP servers: their tools are listed over stdio with the MCP SDK client, annotated
// by a scripted model behind a fake Anthropic server, and the result must pass the validator and the engine's
// schema. A missing argument and a condition on an argument the tool does not have are caught and repaired.
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLanguageModel } from '@ironcurtain/llm';
import { toolAnnotationsSchema } from '@ironcurtain/policy-engine';
import {
  annotateTools,
  checkAnnotationAnswer,
  createLlmClient,
  rolesForServer,
  toolsInputHash,
  type ListedServers,
  type ListedTool,
} from '@ironcurtain/policy-compiler';
import { startFakeAnthropic } from '@ironcurtain/testing';
import { readShippedPolicy, type ShippedPolicy } from './compile-fixtures.js';
import { scriptedModel, taskOf } from './scripted-model.js';

let shipped: ShippedPolicy;
let workDir: string;
let listed: ListedServers;

// Node's own lookup (node_modules/<name> here or above); the git server's exports hide its package.json.
function entryOf(packageName: string): string {
  for (let directory = dirname(fileURLToPath(import.meta.url)); ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', packageName, 'dist', 'index.js');
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) throw new Error(`${packageName} is not installed; run npm install`);
  }
}

async function listTools(args: string[], env: Record<string, string>): Promise<ListedTool[]> {
  const client = new Client({ name: 'policy-compiler-test', version: '0.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { PATH: process.env['PATH'] ?? '', HOME: workDir, ...env },
    cwd: workDir,
    stderr: 'ignore',
  });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    return tools.map((tool) => ({
      name: tool.name,
      description: tool.description ?? '',
      inputSchema: tool.inputSchema,
    }));
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  shipped = await readShippedPolicy();
  workDir = await mkdtemp(join(tmpdir(), 'annotate-real-'));
  listed = {
    filesystem: await listTools([entryOf('@modelcontextprotocol/server-filesystem'), workDir], {}),
    git: await listTools([entryOf('@cyanheads/git-mcp-server')], {
      MCP_TRANSPORT_TYPE: 'stdio',
      MCP_LOG_LEVEL: 'error',
    }),
  };
}, 60_000);
afterAll(() => rm(workDir, { recursive: true, force: true }));

describe('annotating the real built-in servers', () => {
  it('lists the tools the shipped annotations describe', () => {
    expect(listed['filesystem']?.map((tool) => tool.name).sort()).toEqual(
      shipped.toolAnnotations.servers['filesystem']?.tools.map((tool) => tool.toolName).sort(),
    );
    expect(listed['git']?.length).toBe(shipped.toolAnnotations.servers['git']?.tools.length);
  });

  it('produces annotations that pass the validator, repairing a missing argument and a bad condition', async () => {
    await using fake = await startFakeAnthropic({
      apiKey: 'test-key',
      respond: scriptedModel(shipped, { annotationErrors: true, badCondition: true }),
    });
    const llm = createLlmClient({
      model: createLanguageModel({
        modelId: 'anthropic:claude-test',
        apiKeys: { anthropic: 'test-key' },
        baseUrls: { anthropic: fake.url },
      }),
      modelId: 'anthropic:claude-test',
      maxRetries: 0,
    });
    const file = await annotateTools({ llm }, listed, undefined);
    expect(toolAnnotationsSchema.safeParse(file).success).toBe(true);
    for (const [server, tools] of Object.entries(listed)) {
      const entry = file.servers[server]!;
      expect(entry.inputHash).toBe(toolsInputHash(tools));
      const answer = {
        tools: entry.tools.map((tool) => ({
          toolName: tool.toolName,
          comment: tool.comment,
          args: tool.args,
        })),
      };
      expect(checkAnnotationAnswer(answer, tools, rolesForServer(server))).toEqual([]);
    }
    // The repair turns carried the validator's findings back to the model.
    const repairTexts = fake.requests
      .filter((request) => taskOf(request) === 'annotate-tool-arguments')
      .map((request) => JSON.stringify(request.body?.messages));
    expect(repairTexts.some((text) => text.includes('does not parse'))).toBe(true);
    expect(repairTexts.some((text) => /argument \\"[a-zA-Z]+\\" has no roles/.test(text))).toBe(true);
    expect(repairTexts.some((text) => text.includes('\\"operation\\" is not an argument of'))).toBe(true);
  });
});

describe('checkAnnotationAnswer', () => {
  const tool: ListedTool = {
    name: 'git_branch',
    inputSchema: { type: 'object', properties: { path: { type: 'string' }, mode: { type: 'string' } } },
  };
  const roles = rolesForServer('git');

  it('accepts a complete answer with a condition on a sibling argument', () => {
    const args = {
      path: {
        default: ['read-path' as const, 'delete-history' as const],
        when: [{ condition: { arg: 'mode', equals: 'list' }, roles: ['read-path' as const] }],
      },
      mode: ['none' as const],
    };
    expect(
      checkAnnotationAnswer({ tools: [{ toolName: 'git_branch', comment: '', args }] }, [tool], roles),
    ).toEqual([]);
  });

  it('names a missing argument, an invented one, a foreign condition, a role the server may not use and a missing tool', () => {
    const args = {
      path: {
        default: ['read-path' as const],
        when: [{ condition: { arg: 'action', equals: 'x' }, roles: ['read-path' as const] }],
      },
      extra: ['fetch-url' as const],
    };
    const problems = checkAnnotationAnswer(
      { tools: [{ toolName: 'git_branch', comment: '', args }] },
      [tool, { ...tool, name: 'git_tag' }],
      roles,
    );
    expect(problems).toEqual([
      'git_branch: argument "mode" has no roles; every argument needs roles (use ["none"])',
      'git_branch.path.when[0].condition.arg: "action" is not an argument of git_branch; conditions may only name its arguments (path, mode)',
      'git_branch: argument "extra" is not in the tool\'s input schema; remove it',
      'tool "git_tag" is missing; annotate every tool listed',
    ]);
  });
});
