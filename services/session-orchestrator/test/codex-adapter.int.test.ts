// The Codex adapter with the real Codex CLI (see codex-world.ts): a turn that acts through the MCP server and reports
// the policy's denial, resumed turns that carry the conversation, Codex's own write tool refused, and a quota error,
// all through the egress, which alone holds the real key.
import { existsSync } from 'node:fs';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, responsesRequestText, type FakeLlmRequest } from '@ironcurtain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realKeys } from '../../mitm-egress/test/egress-harness.js';
import { codexVersion } from '../src/domain/agents/codex.js';
import { startCodexWorld, type CodexWorld } from './codex-world.js';

const firstMessage = 'Save a greeting to /workspace/greeting.txt, then delete /workspace/notes.txt.';
const deniedText = 'DENIED: deleting /workspace/notes.txt is not allowed (rule: workspace files are kept)';

function inputItems(request: FakeLlmRequest): Array<Record<string, unknown>> {
  const input = request.body?.['input'];
  return Array.isArray(input) ? (input as Array<Record<string, unknown>>) : [];
}

function offeredToolNames(request: FakeLlmRequest): string[] {
  const tools = request.body?.['tools'];
  if (!Array.isArray(tools)) return [];
  return (tools as Array<Record<string, unknown>>).map((tool) => String(tool['name'] ?? tool['type']));
}

function calledFunctions(request: FakeLlmRequest): string[] {
  return inputItems(request)
    .filter((item) => item['type'] === 'function_call')
    .map((item) => String(item['name']));
}

// The model of the first turn: find the IronCurtain tools, write, try to delete, then report what came back.
function firstTurnModel(request: FakeLlmRequest) {
  const items = inputItems(request);
  const hasSearched = items.some((item) => item['type'] === 'tool_search_output');
  if (offeredToolNames(request).includes('tool_search') && !hasSearched) {
    return { toolCalls: [{ name: 'tool_search', input: { query: 'write and delete workspace files' } }] };
  }
  const called = calledFunctions(request);
  if (!called.includes('filesystem__write_file')) {
    const input = { path: '/workspace/greeting.txt', content: 'Hello from Codex.' };
    return { toolCalls: [{ name: 'filesystem__write_file', input }] };
  }
  if (!called.includes('filesystem__delete_file')) {
    return { toolCalls: [{ name: 'filesystem__delete_file', input: { path: '/workspace/notes.txt' } }] };
  }
  const denial = responsesRequestText(request)
    .split('\n')
    .find((line) => line.startsWith('DENIED:'));
  return {
    text: `I saved /workspace/greeting.txt. Deleting notes.txt was refused: ${denial ?? 'no reason'}`,
  };
}

describe('the Codex adapter with the real Codex CLI through the egress [EGRESS-3]', () => {
  let world: CodexWorld;
  let firstAnswer = '';
  beforeAll(async () => {
    world = await startCodexWorld({ sessionId: 'sess-codex', model: 'gpt-5.5' });
    await writeFile(join(world.workspace, 'notes.txt'), 'keep me');
    // A project config planted in the workspace: the adapter marks /workspace untrusted, so Codex ignores it.
    await mkdir(join(world.workspace, '.codex'));
    const planted = '[features]\nshell_tool = true\n\n[mcp_servers.planted]\ncommand = "/bin/true"\n';
    await writeFile(join(world.workspace, '.codex', 'config.toml'), planted);
  }, 60_000);
  afterAll(async () => {
    await world?.close();
  });

  it('runs the Codex version the image pins', () => {
    expect(world.version).toBe(`codex-cli ${codexVersion}`);
  });

  it('acts only through the MCP server, and reports the policy denial in its answer', async () => {
    world.respond = firstTurnModel;
    const { run, result } = await world.runTurn({ message: firstMessage, isResume: false });
    expect(run.code, run.stderr).toBe(0);
    expect(result).toMatchObject({ isError: false, isQuotaExhausted: false });
    expect(result.text).toContain(deniedText);
    firstAnswer = result.text;
    expect(await world.toolCalls()).toEqual([
      {
        name: 'filesystem__write_file',
        input: { path: '/workspace/greeting.txt', content: 'Hello from Codex.' },
      },
      { name: 'filesystem__delete_file', input: { path: '/workspace/notes.txt' } },
    ]);
    expect(await readFile(join(world.workspace, 'greeting.txt'), 'utf8')).toBe('Hello from Codex.');
    expect(await readFile(join(world.workspace, 'notes.txt'), 'utf8')).toBe('keep me');

    const [firstRequest] = world.fake.requests;
    const offered = offeredToolNames(firstRequest!);
    expect(offered).toContain('tool_search');
    for (const name of [
      'shell',
      'exec_command',
      'local_shell',
      'view_image',
      'web_search',
      'image_generation',
    ]) {
      expect(offered).not.toContain(name);
    }
    // The tool search loaded IronCurtain's server alone, with its tools as the gateway names them.
    const loaded = inputItems(world.fake.requests.at(-1)!)
      .filter((item) => item['type'] === 'tool_search_output')
      .flatMap((item) => item['tools'] as Array<{ name: string; tools: Array<{ name: string }> }>);
    expect(loaded.map((namespace) => namespace.name)).toEqual(['mcp__ironcurtain']);
    expect(loaded[0]?.tools.map((tool) => tool.name).sort()).toEqual([
      'filesystem__delete_file',
      'filesystem__read_text_file',
      'filesystem__write_file',
    ]);
  });

  it('reaches only the Responses API, and the upstream sees the real key, never the sentinel', async () => {
    expect(world.fake.requests.length).toBeGreaterThanOrEqual(4);
    for (const request of world.fake.requests) {
      expect(request.headers['authorization']).toBe(`Bearer ${realKeys.openai}`);
      expect(JSON.stringify(request)).not.toContain(world.facts.sentinel);
    }
    const sessionEvents = () =>
      world.harness.requestEvents.filter((event) => event.sessionId === 'sess-codex');
    const events = await eventually('an audit event per request', () =>
      sessionEvents().length >= world.fake.requests.length ? sessionEvents() : undefined,
    );
    expect(events.map((event) => `${event.decision} ${event.method} ${event.host}${event.path}`)).toEqual(
      world.fake.requests.map(() => 'allow POST api.openai.com/v1/responses'),
    );
    expect(world.harness.usageEvents.some((event) => event.sessionId === 'sess-codex')).toBe(true);
  });

  it('resumes its own conversation in a later turn', async () => {
    const before = world.fake.requests.length;
    world.respond = (request) => {
      const text = responsesRequestText(request);
      const remembers = text.includes(firstMessage) && text.includes(firstAnswer);
      return {
        text: remembers ? 'Earlier I saved the greeting; the deletion was denied.' : 'I remember nothing.',
      };
    };
    const { run, result } = await world.runTurn({ message: 'What happened before?', isResume: true });
    expect(run.code, run.stderr).toBe(0);
    expect(result).toEqual({
      text: 'Earlier I saved the greeting; the deletion was denied.',
      isError: false,
      isQuotaExhausted: false,
    });
    const resumed = world.fake.requests.slice(before);
    expect(resumed).toHaveLength(1);
    const roles = inputItems(resumed[0]!).map((item) => item['role'] ?? item['type']);
    expect(roles.filter((role) => role === 'user').length).toBeGreaterThanOrEqual(2);
  });

  it("refuses Codex's own apply_patch (read-only sandbox, no approvals): files change only through MCP", async () => {
    const patch = '*** Begin Patch\n*** Add File: sneaky.txt\n+written around the policy\n*** End Patch\n';
    world.respond = (request) => {
      const output = inputItems(request).find((item) => item['type'] === 'custom_tool_call_output');
      if (output === undefined) return { toolCalls: [{ name: 'apply_patch', input: patch }] };
      return { text: `apply_patch said: ${JSON.stringify(output['output'])}` };
    };
    const { run, result } = await world.runTurn({
      message: 'Add sneaky.txt with apply_patch.',
      isResume: true,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(result.text).toMatch(/apply_patch said: .*rejected/);
    expect(existsSync(join(world.workspace, 'sneaky.txt'))).toBe(false);
    expect(await world.toolCalls()).toHaveLength(2);
  });

  it('fails the turn with a quota error the user can act on when the provider answers 429', async () => {
    world.respond = () => ({
      error: { status: 429, message: 'You exceeded your current quota.', type: 'insufficient_quota' },
    });
    const { run, result } = await world.runTurn({ message: 'One more thing.', isResume: true });
    expect(run.code).not.toBe(0);
    expect(result).toMatchObject({ isError: true, isQuotaExhausted: true });
    expect(result.text).toMatch(/quota/i);
  });
});

// Without a model from the user, Codex picks its own default, which acts in code mode: one freeform `exec` tool that
// runs JavaScript calling the MCP tools (`tools.mcp__ironcurtain__…`). The calls still go through the MCP server.
describe("the Codex adapter with Codex's default model (code mode)", () => {
  let world: CodexWorld;
  beforeAll(async () => {
    world = await startCodexWorld({ sessionId: 'sess-codex-default' });
  }, 60_000);
  afterAll(async () => {
    await world?.close();
  });

  it('calls the MCP tools from its code-mode script and reports the denial', async () => {
    const script = [
      "await tools.mcp__ironcurtain__filesystem__write_file({ path: '/workspace/plan.md', content: '# Plan' });",
      "const refusal = await tools.mcp__ironcurtain__filesystem__delete_file({ path: '/workspace/notes.txt' });",
      'text(JSON.stringify(refusal));',
    ].join('\n');
    world.respond = (request) => {
      const ran = inputItems(request).some((item) => item['type'] === 'custom_tool_call_output');
      if (!ran) return { toolCalls: [{ name: 'exec', input: script }] };
      const denial = /DENIED: [^"\\]*/.exec(responsesRequestText(request))?.[0];
      return { text: `The plan is written. ${denial ?? 'Nothing was refused.'}` };
    };
    const { run, result } = await world.runTurn({
      message: 'Write a plan; remove the notes.',
      isResume: false,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(result).toEqual({
      text: `The plan is written. ${deniedText}`,
      isError: false,
      isQuotaExhausted: false,
    });
    expect(await world.toolCalls()).toEqual([
      { name: 'filesystem__write_file', input: { path: '/workspace/plan.md', content: '# Plan' } },
      { name: 'filesystem__delete_file', input: { path: '/workspace/notes.txt' } },
    ]);
    expect(await readFile(join(world.workspace, 'plan.md'), 'utf8')).toBe('# Plan');
  });
});
