// A catalog shaped like the gateway's (filesystem and git tools with their real input schemas, trimmed) and a
// tool host that records every call. The runner's contract is the callTool callback, so a plain async function
// is the real counterpart here; code-runner-bus.int.test.ts carries the same calls over a real nats-server.
import type { ToolCall, ToolCallOutcome, ToolCatalog } from '@ironcurtain/code-mode';

export const catalog: ToolCatalog = {
  servers: [
    {
      name: 'filesystem',
      description: 'Read and write files inside the session sandbox.',
      tools: [
        {
          name: 'read_file',
          description:
            'Read the complete contents of a file as text.\nUse head or tail for the first or last lines.',
          inputSchema: {
            type: 'object',
            properties: {
              path: { type: 'string', description: 'Path of the file' },
              head: { type: 'number', description: 'Only the first N lines' },
              tail: { type: 'number', description: 'Only the last N lines' },
            },
            required: ['path'],
          },
        },
        {
          name: 'write_file',
          description: 'Create a new file or overwrite an existing file.',
          inputSchema: {
            type: 'object',
            properties: { path: { type: 'string' }, content: { type: 'string' } },
            required: ['path', 'content'],
          },
        },
        {
          name: 'list-things',
          description: 'List things (a name that is not a JavaScript identifier).',
          inputSchema: {
            type: 'object',
            properties: { kinds: { type: 'array', items: { enum: ['file', 'directory'] } } },
          },
        },
      ],
    },
    {
      name: 'git',
      description: 'Git operations on repositories in the sandbox.',
      tools: [
        {
          name: 'git_status',
          description: 'Show the working tree status.',
          inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
        },
        {
          name: 'git_push',
          description: 'Push commits to a remote.',
          inputSchema: {
            type: 'object',
            properties: { remote: { type: 'string', default: 'origin' }, branch: { type: 'string' } },
          },
        },
      ],
    },
  ],
};

/** Records calls; answers read_file with the path, denies git_push, fails on `explode`, echoes the rest. */
export function createToolHost(answer?: (call: ToolCall) => Promise<ToolCallOutcome>) {
  const calls: ToolCall[] = [];
  const callTool = async (call: ToolCall): Promise<ToolCallOutcome> => {
    calls.push(call);
    if (answer !== undefined) return answer(call);
    if (call.toolName === 'git_push') {
      return { ok: false, message: 'DENIED: pushing to a remote needs approval (rule escalate-git-push)' };
    }
    if (call.toolName === 'read_file')
      return { ok: true, text: `contents of ${String(call.arguments['path'])}` };
    return { ok: true, text: JSON.stringify({ tool: call.toolName, arguments: call.arguments }) };
  };
  return { calls, callTool };
}
