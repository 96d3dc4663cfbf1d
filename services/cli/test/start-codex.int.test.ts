// `ironcurtain start --agent codex "task"` end to end: the real Codex CLI (from npm, in its image built from
// deploy/agents) in a network-less container as uid 4321, speaking the OpenAI Responses API through the session's
// egress socket and mitm-egress (sentinel swapped for the real key) to a fake upstream; its tools are IronCurtain's
// MCP tools on the session's MCP socket, each call decided by the real PDP and run by the real gateway.
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerEngine } from '@ironcurtain/docker-engine';
import {
  responsesRequestText,
  type FakeLlmReply,
  type FakeLlmRequest,
  type FakeLlmServer,
} from '@ironcurtain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realOpenAIKey, startFakeUpstream } from './session-fixture.js';
import { runCli, startCli } from './stack-process.js';

function inputItems(request: FakeLlmRequest): Array<Record<string, unknown>> {
  const input = request.body?.['input'];
  return Array.isArray(input) ? (input as Array<Record<string, unknown>>) : [];
}

// Codex finds MCP tools with its tool search first, then calls them as functions named `<server>__<tool>`.
function scriptedModel(request: FakeLlmRequest): FakeLlmReply {
  const items = inputItems(request);
  const offered = JSON.stringify(request.body?.['tools'] ?? []);
  if (offered.includes('"tool_search"') && !items.some((item) => item['type'] === 'tool_search_output')) {
    return { toolCalls: [{ name: 'tool_search', input: { query: 'files in the workspace' } }] };
  }
  const called = items.filter((item) => item['type'] === 'function_call').map((item) => String(item['name']));
  if (!called.includes('filesystem__write_file')) {
    const input = { path: '/workspace/plan.md', content: '# plan from codex\n' };
    return { toolCalls: [{ name: 'filesystem__write_file', input }] };
  }
  if (!called.includes('filesystem__read_text_file')) {
    return { toolCalls: [{ name: 'filesystem__read_text_file', input: { path: '/etc/passwd' } }] };
  }
  const denied = responsesRequestText(request).includes('DENIED');
  return { text: `Plan written; reading /etc/passwd was ${denied ? 'refused' : 'not refused'}.` };
}

describe('ironcurtain start --agent codex', () => {
  let home: string;
  let openai: FakeLlmServer;
  let environment: Record<string, string>;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-codex-'));
    ({ upstream: openai, environment } = await startFakeUpstream(
      home,
      scriptedModel,
      {},
      'openai-responses',
    ));
    environment['ORCH_AGENT_USER'] = '4321:4321';
  });
  afterAll(async () => {
    await openai?.close();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it('does the task through MCP tools over the Responses API, with a denial reported', async () => {
    const start = startCli(
      ['start', '--agent', 'codex', '--model', 'openai:gpt-5.5', 'Write a plan'],
      environment,
    );
    const { code } = await start.exited;
    const output = start.output();
    expect(code, output).toBe(0);
    expect(output).toContain('filesystem.write_file: allowed');
    expect(output).toMatch(/filesystem\.read_text_file: DENIED: /);
    expect(output).toContain('Plan written; reading /etc/passwd was refused.');

    expect(openai.requests.length).toBeGreaterThan(2);
    for (const received of openai.requests) {
      expect(received.path).toBe('/v1/responses');
      expect(received.headers['authorization']).toBe(`Bearer ${realOpenAIKey}`);
    }
    const ironcurtainHome = environment['IRONCURTAIN_HOME'] ?? home;
    const [sessionId] = await readdir(join(ironcurtainHome, 'sessions'));
    const sessionDirectory = join(ironcurtainHome, 'sessions', sessionId ?? '');
    const plan = join(sessionDirectory, 'sandbox', 'plan.md');
    expect(await readFile(plan, 'utf8')).toBe('# plan from codex\n');
    const decisions = (await readFile(join(sessionDirectory, 'audit.jsonl'), 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { kind: string; toolName?: string })
      .filter((record) => record.kind === 'decision')
      .map((record) => record.toolName);
    expect(decisions.sort()).toEqual(['read_text_file', 'write_file']);
    const verify = await runCli(['audit', 'verify'], environment);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    const left = await createDockerEngine(process.env['DOCKER_HOST']).client.listContainers({
      all: true,
      filters: { label: [`ironcurtain.session=${sessionId}`] },
    });
    expect(left).toEqual([]);
    await expect(stat(join(sessionDirectory, 'run'))).rejects.toThrow();
  }, 300_000);
});
