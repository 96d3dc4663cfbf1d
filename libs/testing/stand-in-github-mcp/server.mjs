// Stand-in for GitHub's MCP server (ghcr.io/github/github-mcp-server, the version in github-mcp-server-tools.json)
// for tests: no registry and no GitHub are reachable here. It lists the same tools with the same input schemas
// (read from github-mcp-server-tools.json beside it) and answers calls with canned, plausible GitHub objects built
// from the call's arguments. Node built-ins only; MCP's stdio framing (one JSON-RPC message per line).
// Like the real server it wants the `stdio` command and GITHUB_PERSONAL_ACCESS_TOKEN, lists the default tool sets
// unless GITHUB_TOOLSETS names others (a comma list; `all`, `default`), and only read-only tools when
// GITHUB_READ_ONLY=1. Every call it answers is logged to stderr (tool and arguments), so a test can see what ran.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const facts = JSON.parse(readFileSync(new URL('./github-mcp-server-tools.json', import.meta.url), 'utf8'));

if (process.argv[2] !== 'stdio') {
  process.stderr.write(
    `usage: github-mcp-server stdio (got: ${process.argv.slice(2).join(' ') || 'nothing'})\n`,
  );
  process.exit(2);
}
if ((process.env.GITHUB_PERSONAL_ACCESS_TOKEN ?? '') === '') {
  process.stderr.write('GITHUB_PERSONAL_ACCESS_TOKEN not set\n');
  process.exit(1);
}

function enabledToolsets() {
  const asked = (process.env.GITHUB_TOOLSETS ?? 'default').split(',').map((name) => name.trim());
  if (asked.includes('all')) return new Set(facts.tools.map((tool) => tool.toolset));
  return new Set(asked.flatMap((name) => (name === 'default' ? facts.defaultToolsets : [name])));
}

const readOnly = ['1', 'true'].includes(process.env.GITHUB_READ_ONLY ?? '');
const toolsets = enabledToolsets();
const tools = facts.tools.filter(
  (tool) => toolsets.has(tool.toolset) && (!readOnly || tool.annotations.readOnlyHint === true),
);
const toolsByName = new Map(tools.map((tool) => [tool.name, tool]));
process.stderr.write(`stand-in github-mcp-server ${facts.version}: ${tools.length} tools\n`);

const login = 'stand-in-user';
const createdAt = '2026-02-27T12:00:00Z';

// What a repository-scoped object looks like on github.com for the call's owner and repo.
function repositoryUrl(args) {
  return `https://github.com/${args.owner}/${args.repo}`;
}

function issue(args, number) {
  return {
    number,
    title: `Stand-in issue ${number}`,
    body: `An issue of ${args.owner}/${args.repo} served by the stand-in GitHub MCP server.`,
    state: 'open',
    user: { login: 'octocat' },
    labels: [{ name: 'bug' }],
    comments: 1,
    html_url: `${repositoryUrl(args)}/issues/${number}`,
    created_at: createdAt,
  };
}

function pullRequest(args, number) {
  return {
    number,
    title: args.title ?? `Stand-in pull request ${number}`,
    state: 'open',
    draft: args.draft ?? false,
    user: { login },
    head: { ref: args.head ?? 'feature' },
    base: { ref: args.base ?? 'main' },
    html_url: `${repositoryUrl(args)}/pull/${number}`,
    created_at: createdAt,
  };
}

// The real server answers a change with a minimal `{ id, url }`; reads with the object or a list of them.
const answers = {
  get_me: () => ({ login, id: 1001, name: 'Stand-in User', html_url: `https://github.com/${login}` }),
  issue_read: (args) => {
    if (args.method === 'get_comments') return [{ id: 501, body: 'A comment.', user: { login: 'octocat' } }];
    if (args.method === 'get_sub_issues') return [];
    if (args.method === 'get_labels') return [{ name: 'bug', color: 'd73a4a' }];
    return issue(args, args.issue_number);
  },
  list_issues: (args) => ({ issues: [issue(args, 1), issue(args, 2)], pageInfo: { hasNextPage: false } }),
  pull_request_read: (args) =>
    args.method === 'get_diff'
      ? 'diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-old\n+new\n'
      : pullRequest(args, args.pullNumber),
  list_pull_requests: (args) => [pullRequest(args, 7)],
  get_file_contents: (args) => ({
    type: 'file',
    path: args.path ?? '',
    content: `Stand-in content of ${args.path ?? '/'} in ${args.owner}/${args.repo}\n`,
    sha: '95b966ae1c166bd92f8ae7d1c313e738c731dfc3',
  }),
  search_repositories: () => ({ total_count: 1, items: [{ full_name: 'octo-org/service', private: false }] }),
  create_pull_request: (args) => ({ id: '4201', url: `${repositoryUrl(args)}/pull/42` }),
  issue_write: (args) => ({ id: '3301', url: `${repositoryUrl(args)}/issues/${args.issue_number ?? 33}` }),
};

function answerFor(tool, args) {
  const specific = answers[tool.name];
  if (specific !== undefined) return specific(args);
  if (tool.annotations.readOnlyHint === true) return [];
  const where = args.owner === undefined ? `https://github.com/${login}` : repositoryUrl(args);
  return { id: '9001', url: where };
}

// The checks the real server makes before calling GitHub: required parameters and their JSON types.
function argumentProblem(schema, args) {
  for (const name of schema.required ?? []) {
    if (args[name] === undefined) return `missing required parameter: ${name}`;
  }
  for (const [name, value] of Object.entries(args)) {
    const expected = schema.properties?.[name]?.type;
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    if (expected !== undefined && expected !== actual) return `parameter ${name} is not of type ${expected}`;
  }
  return undefined;
}

function callTool(name, args) {
  const tool = toolsByName.get(name);
  if (tool === undefined) throw Object.assign(new Error(`unknown tool "${name}"`), { code: -32602 });
  process.stderr.write(`call ${name} ${JSON.stringify(args)}\n`);
  const problem = argumentProblem(tool.inputSchema, args);
  if (problem !== undefined) return { content: [{ type: 'text', text: problem }], isError: true };
  const result = answerFor(tool, args);
  const text = typeof result === 'string' ? result : JSON.stringify(result);
  return { content: [{ type: 'text', text }] };
}

function listedTool(tool) {
  return {
    name: tool.name,
    description: tool.description,
    annotations: tool.annotations,
    inputSchema: tool.inputSchema,
  };
}

function answer(method, params) {
  if (method === 'initialize') {
    return {
      protocolVersion: params.protocolVersion,
      capabilities: { tools: { listChanged: false } },
      serverInfo: { name: 'github-mcp-server', version: `${facts.version} (stand-in)` },
    };
  }
  if (method === 'ping') return {};
  if (method === 'tools/list') return { tools: tools.map(listedTool) };
  if (method === 'tools/call') return callTool(params.name, params.arguments ?? {});
  throw Object.assign(new Error(`method not found: ${method}`), { code: -32601 });
}

function send(message) {
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === '') return;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    send({ id: null, error: { code: -32700, message: 'parse error' } });
    return;
  }
  if (message.id === undefined) return; // notifications (initialized, cancelled) need no answer
  try {
    send({ id: message.id, result: answer(message.method, message.params ?? {}) });
  } catch (error) {
    send({ id: message.id, error: { code: error.code ?? -32603, message: error.message } });
  }
});
process.stdin.on('end', () => process.exit(0));
