// What the agent tests share: a real temp directory behind a filesystem tool host, a real Code Mode runner over it,
// and real AI SDK models (from @ironcurtain/llm) pointed at the wire-level fake providers of @ironcurtain/testing.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { LanguageModel } from 'ai';
import {
  createCodeRunner,
  type CodeRunner,
  type CodeRunnerOptions,
  type ToolCall,
  type ToolCallOutcome,
  type ToolCatalog,
} from '@ironcurtain/code-mode';
import { createLanguageModel } from '@ironcurtain/llm';
import {
  fakeRequestText,
  startFakeAnthropic,
  startFakeOpenAI,
  type FakeLlmReply,
  type FakeLlmRequest,
  type FakeLlmServer,
} from '@ironcurtain/testing';

export type ProviderKind = 'anthropic' | 'openai';

export const providerKinds: readonly ProviderKind[] = ['anthropic', 'openai'];

export const catalog: ToolCatalog = {
  servers: [
    {
      name: 'filesystem',
      description: 'Files of the session sandbox.',
      tools: [
        {
          name: 'read_file',
          description: 'Read a file as text.',
          inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
        },
        {
          name: 'list_directory',
          description: 'List the names in a directory.',
          inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
        },
        {
          name: 'write_file',
          description: 'Write a file.',
          inputSchema: {
            type: 'object',
            properties: { path: { type: 'string' }, content: { type: 'string' } },
            required: ['path', 'content'],
          },
        },
      ],
    },
  ],
};

/** A sandbox directory on disk and a tool host over it that denies paths outside it, as a policy would. */
export interface Sandbox {
  readonly directory: string;
  readonly calls: ToolCall[];
  callTool(call: ToolCall): Promise<ToolCallOutcome>;
  runner(options?: Partial<Omit<CodeRunnerOptions, 'tools' | 'callTool'>>): CodeRunner;
  dispose(): Promise<void>;
}

export async function createSandbox(files: Record<string, string> = {}): Promise<Sandbox> {
  const directory = await mkdtemp(join(tmpdir(), 'ironcurtain-agent-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(directory, name), content);
  const calls: ToolCall[] = [];
  const callTool = async (call: ToolCall): Promise<ToolCallOutcome> => {
    calls.push(call);
    const path = resolve(directory, String(call.arguments['path'] ?? '.'));
    if (relative(directory, path).startsWith('..')) {
      return { ok: false, message: `DENIED: ${call.toolName} outside the sandbox (rule sandbox-only)` };
    }
    try {
      if (call.toolName === 'read_file') return { ok: true, text: await readFile(path, 'utf8') };
      if (call.toolName === 'list_directory')
        return { ok: true, text: (await readdir(path)).sort().join('\n') };
      await writeFile(path, String(call.arguments['content'] ?? ''));
      return { ok: true, text: 'written' };
    } catch (error) {
      return { ok: false, message: `ERROR: ${(error as Error).message}` };
    }
  };
  return {
    directory,
    calls,
    callTool,
    runner: (options = {}) => createCodeRunner({ tools: catalog, callTool, timeLimitMs: 5000, ...options }),
    dispose: () => rm(directory, { recursive: true, force: true }),
  };
}

/** A scripted model: the replies in order (the last repeats), with every request kept for assertions. */
export interface ScriptedModel {
  readonly server: FakeLlmServer;
  readonly model: LanguageModel;
  readonly modelId: string;
  /** Bodies the model received, in order. */
  readonly requests: FakeLlmRequest[];
}

export type Script = readonly FakeLlmReply[] | ((request: FakeLlmRequest, index: number) => FakeLlmReply);

export async function startScriptedModel(
  kind: ProviderKind,
  script: Script,
  options: { apiKey?: string; modelId?: string } = {},
): Promise<ScriptedModel> {
  let index = 0;
  const respond = (request: FakeLlmRequest): FakeLlmReply => {
    const current = index;
    index += 1;
    if (typeof script === 'function') return script(request, current);
    const reply = script[Math.min(current, script.length - 1)];
    if (reply === undefined) throw new Error('empty script');
    return reply;
  };
  const serverKey = 'sk-fake-test-key';
  const server =
    kind === 'anthropic'
      ? await startFakeAnthropic({ respond, apiKey: serverKey })
      : await startFakeOpenAI({ respond, apiKey: serverKey });
  const modelId =
    options.modelId ?? (kind === 'anthropic' ? 'anthropic:claude-sonnet-4-5' : 'openai:gpt-4.1');
  const model = createLanguageModel({
    modelId,
    apiKeys: { [kind]: options.apiKey ?? serverKey },
    baseUrls: { [kind]: server.url },
  });
  return { server, model, modelId, requests: server.requests };
}

/** A reply that runs `code`. */
export function runCode(code: string): FakeLlmReply {
  return { toolCalls: [{ name: 'execute_code', input: { code } }] };
}

/** Everything the model read in a request: system prompt, messages and tool results. */
export function requestText(request: FakeLlmRequest | undefined): string {
  if (request === undefined) throw new Error('no such request');
  return fakeRequestText(request);
}

/** The text of the last tool result the request carried (Anthropic `tool_result` or OpenAI `tool` message). */
export function lastToolResult(request: FakeLlmRequest | undefined): string {
  if (request === undefined) throw new Error('no such request');
  const messages = (request.body?.messages ?? []) as Array<Record<string, unknown>>;
  const results: string[] = [];
  for (const message of messages) {
    if (message['role'] === 'tool' && typeof message['content'] === 'string')
      results.push(message['content']);
    if (Array.isArray(message['content'])) {
      for (const block of message['content'] as Array<Record<string, unknown>>) {
        if (block['type'] === 'tool_result') results.push(toolResultContent(block['content']));
      }
    }
  }
  const last = results.at(-1);
  if (last === undefined) throw new Error('the request carries no tool result');
  return last;
}

function toolResultContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => String((part as { text?: unknown }).text ?? '')).join('');
  }
  return JSON.stringify(content);
}
