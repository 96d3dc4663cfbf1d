import type { ArgumentRole } from '@ironcurtain/policy-engine';
import type { ListedTool } from './listed-tool.js';

/** Marks annotation requests; scripted test models look for it. */
export const annotationTask = 'TASK: annotate-tool-arguments';

const roleMeanings: Readonly<Record<ArgumentRole, string>> = {
  'read-path': 'a filesystem path the tool reads (or a repository it inspects)',
  'write-path': 'a filesystem path the tool creates or changes',
  'delete-path': 'a filesystem path the tool removes, moves away or renames away',
  'write-history': 'a git repository whose history or refs the tool adds to (commit, branch create, tag)',
  'delete-history': 'a git repository whose history the tool rewrites or drops (reset, branch delete, clean)',
  'fetch-url': 'a URL the tool requests over the network',
  'git-remote-url': 'a git remote (URL or remote name) the tool talks to',
  'github-owner': 'a GitHub user or organisation',
  'github-repo': 'a GitHub repository name',
  'branch-name': 'a branch name',
  'commit-message': 'a commit message',
  'email-body': 'the body of a message',
  'email-address': 'an e-mail address',
  'share-permission': 'a sharing permission level',
  none: 'no security meaning (flags, limits, formats, repository-relative pathspecs)',
};

/** The system prompt of annotation: what roles mean and the shape of the answer. */
export function annotationSystemPrompt(allowedRoles: readonly ArgumentRole[]): string {
  return [
    annotationTask,
    'You classify the arguments of MCP tools for a security policy engine. For every argument of every tool,',
    'say what its value means to the policy, as a list of roles. Roles allowed for this server:',
    ...allowedRoles.map((role) => `- ${role}: ${roleMeanings[role]}`),
    '',
    'Rules:',
    '- Annotate every argument in the input schema, and no other. An argument with no security meaning gets ["none"].',
    '- A tool that moves something gives the source "delete-path" and "read-path", the destination "write-path".',
    '- When a tool has modes (an argument like "mode" or "action"), you may give an argument conditional roles:',
    '  {"default": [most restrictive roles], "when": [{"condition": {"arg": "<argument of the same tool>",',
    '  "equals" | "in" | "is": "present"|"absent"|"truthy"|"falsy"}, "roles": [...]}]}.',
    '  The first matching "when" wins; "when" roles must be a subset of "default".',
    '- Set "sideEffects" to false only for tools that change nothing.',
    '',
    'Answer with one JSON object and nothing else:',
    '{"tools": [{"toolName": "...", "comment": "one sentence on what the tool does to resources",',
    '  "sideEffects": true, "args": {"<argument>": ["role", ...] or {"default": [...], "when": [...]}}}]}',
  ].join('\n');
}

/** The user prompt for one batch: the server and each tool with its description and input schema. */
export function annotationUserPrompt(server: string, batch: readonly ListedTool[]): string {
  const tools = batch.map((tool) => ({
    name: tool.name,
    description: tool.description ?? '',
    inputSchema: tool.inputSchema,
  }));
  return [`Server: ${server}`, `Annotate these ${batch.length} tools:`, JSON.stringify(tools, null, 1)].join(
    '\n',
  );
}
