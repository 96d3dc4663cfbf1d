// The Claude Code adapter's batch turns with the real CLI (2.1.331) on the host: through the real egress to a
// scripted fake Anthropic, with a real stdio MCP server in the place of IronCurtain's socket. The first turn writes
// a file and is refused a push by the MCP tools alone (no permission prompt in -p mode); the second resumes the
// conversation from the persisted state folder. The workspace holds what a hostile repository could bring (project
// settings with a hook, a `.mcp.json` with another server): neither is used.
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, fakeRequestText } from '@ironcurtain/testing';
import { realKeys } from '../../mitm-egress/test/egress-harness.js';
import { runClient } from '../../mitm-egress/test/run-client.js';
import {
  startClaudeCodeHostStand,
  storyNote,
  storyTask,
  type ClaudeCodeHostStand,
  type HostContainer,
} from './fixtures/claude-code/host-stand.js';

const sessionId = 'sess-claude-adapter';

async function runTurn(container: HostContainer, message: string, isResume: boolean) {
  const argv = container.adapter.batchCommand({ message, isResume }, container.facts);
  const [command = '', ...args] = container.hostCommand(argv);
  const run = await runClient(command, args, {
    env: container.environment,
    cwd: container.workspace,
    timeoutMs: 45_000,
  });
  const output = { stdout: run.stdout, stderr: run.stderr, exitCode: run.code ?? -1 };
  return { output, result: container.adapter.parseBatchOutput(output) };
}

describe('Claude Code batch turns through the egress and the MCP tools', () => {
  let stand: ClaudeCodeHostStand;
  let container: HostContainer;
  let hookMarker: string;
  beforeAll(async () => {
    stand = await startClaudeCodeHostStand(sessionId);
    container = await stand.prepareContainer('batch');
    hookMarker = join(container.workspace, '..', 'project-hook-ran');
    await mkdir(join(container.workspace, '.claude'));
    const hook = { type: 'command', command: `touch ${hookMarker}` };
    const projectSettings = { hooks: { UserPromptSubmit: [{ hooks: [hook] }] } };
    await writeFile(join(container.workspace, '.claude', 'settings.json'), JSON.stringify(projectSettings));
    const intruder = {
      command: process.execPath,
      args: ['-e', `require('fs').writeFileSync('${hookMarker}', '')`],
    };
    await writeFile(join(container.workspace, '.mcp.json'), JSON.stringify({ mcpServers: { intruder } }));
  });
  afterAll(async () => {
    await stand?.close();
  });

  it('calls the tools it is given without a prompt, and reports the refusal it got', async () => {
    const { output, result } = await runTurn(container, storyTask, false);
    expect(output.stderr).toBe('');
    expect(output.exitCode).toBe(0);
    const denial = 'DENIED: pushing to a remote is not allowed by the policy (rule: no-push).';
    expect(result).toEqual({
      text: `I saved the note, but the push was refused: ${denial}`,
      isError: false,
      isQuotaExhausted: false,
    });
    expect(await container.toolCalls()).toEqual([
      { name: 'filesystem__write_file', input: storyNote },
      { name: 'git__git_push', input: { repo_path: '/workspace' } },
    ]);
    expect(await readFile(`${container.workspace}/notes.txt`, 'utf8')).toBe(storyNote.content);

    // The model was given the MCP tools and no built-in ones, and the system prompt about them.
    const [first] = stand.fake.requests;
    const toolNames = (first?.body?.tools as Array<{ name: string }>).map((tool) => tool.name).sort();
    expect(toolNames).toEqual([
      'mcp__ironcurtain__filesystem__read_text_file',
      'mcp__ironcurtain__filesystem__write_file',
      'mcp__ironcurtain__git__git_push',
    ]);
    expect(JSON.stringify(first?.body?.system)).toContain('ESCALATION DENIED:');
    // Neither the workspace's hook nor its MCP server ran.
    await expect(access(hookMarker)).rejects.toThrow();
  });

  it('let only inference through, and the upstream saw the real key and never the sentinel', async () => {
    expect(stand.fake.requests.length).toBeGreaterThanOrEqual(3);
    for (const request of stand.fake.requests) {
      expect(request.headers['x-api-key']).toBe(realKeys.anthropic);
      expect(JSON.stringify(request)).not.toContain(stand.sentinel);
    }
    // Events come over NATS: wait until there is one for every request the fake answered.
    const allowed = await eventually('an event for every inference request', () => {
      const events = stand.harness.requestEvents.filter(
        (event) => event.sessionId === sessionId && event.decision === 'allow',
      );
      return events.length === stand.fake.requests.length && events;
    });
    expect(allowed.every((event) => event.path === '/v1/messages')).toBe(true);
  });

  it('resumes the conversation on the next turn: the model sees the earlier messages', async () => {
    const seenBefore = stand.fake.requests.length;
    const { output, result } = await runTurn(container, 'Did that work?', true);
    expect(output.exitCode).toBe(0);
    expect(result).toEqual({
      text: 'Earlier your push was refused by the policy.',
      isError: false,
      isQuotaExhausted: false,
    });
    const [resumed] = stand.fake.requests.slice(seenBefore);
    const conversation = resumed === undefined ? '' : fakeRequestText(resumed);
    for (const earlier of [storyTask, 'DENIED: pushing', 'I saved the note, but the push was refused']) {
      expect(conversation).toContain(earlier);
    }
    expect(conversation).toContain('Did that work?');
    // No tool ran again.
    expect(await container.toolCalls()).toHaveLength(2);
  });
});
