// The fallback policy when the shipped default (libs/default-policy/policy) is missing or does not load: the same
// shape of rules (user folders, git remotes escalate, fetch allowlists then escalate) over the tools the corpus
// calls, so the benchmark still measures a representative mix. Decisions are compared engine-to-Cedar either way;
// the corpus's expected decisions are only checked against the shipped policy.
import type { ArgumentRoleSpec } from '@ironcurtain/policy-engine';

type Tools = Record<string, Record<string, ArgumentRoleSpec>>;

const filesystemTools: Tools = {
  read_file: { path: ['read-path'] },
  read_text_file: { path: ['read-path'] },
  read_media_file: { path: ['read-path'] },
  read_multiple_files: { paths: ['read-path'] },
  write_file: { path: ['write-path'], content: ['none'] },
  edit_file: {
    path: {
      default: ['read-path', 'write-path'],
      when: [{ condition: { arg: 'dryRun', equals: true }, roles: ['read-path'] }],
    },
    edits: ['none'],
    dryRun: ['none'],
  },
  create_directory: { path: ['write-path'] },
  list_directory: { path: ['read-path'] },
  list_directory_with_sizes: { path: ['read-path'] },
  directory_tree: { path: ['read-path'] },
  move_file: { source: ['read-path', 'delete-path'], destination: ['write-path'] },
  search_files: { path: ['read-path'], pattern: ['none'] },
  get_file_info: { path: ['read-path'] },
  list_allowed_directories: {},
};

const gitTools: Tools = {
  git_status: { path: ['read-path'] },
  git_log: { path: ['read-path'], maxCount: ['none'] },
  git_diff: { path: ['read-path'] },
  git_commit: { path: ['read-path', 'write-history'], message: ['commit-message'] },
  git_push: {
    path: {
      default: ['read-path', 'write-path'],
      when: [{ condition: { arg: 'setUpstream', is: 'falsy' }, roles: ['read-path'] }],
    },
    remote: ['git-remote-url'],
    setUpstream: ['none'],
  },
  git_pull: { path: ['read-path', 'write-path', 'write-history'], remote: ['git-remote-url'] },
  git_fetch: { path: ['read-path', 'write-history'], remote: ['git-remote-url'] },
  git_clone: { url: ['git-remote-url'], path: ['write-path', 'write-history'] },
  git_init: { path: ['write-path', 'write-history'] },
  git_clear_working_dir: { confirm: ['none'] },
  git_wrapup_instructions: {},
};

const fetchTools: Tools = {
  http_fetch: { url: ['fetch-url'] },
  web_search: { query: ['none'] },
};

const rule = (name: string, condition: Record<string, unknown>, then: 'allow' | 'deny' | 'escalate') => ({
  name,
  description: name,
  principle: 'bench fixture',
  if: condition,
  then,
  reason: `bench fixture rule ${name}`,
});

const newsSites = [
  '*.bbc.co.uk',
  '*.bbc.com',
  '*.reuters.com',
  '*.apnews.com',
  '*.theguardian.com',
  'news.ycombinator.com',
];
const devSites = [
  '*.github.com',
  'raw.githubusercontent.com',
  '*.gitlab.com',
  'developer.mozilla.org',
  '*.npmjs.com',
  'docs.rs',
];

/** Raw artifacts (as they would be read from a policy directory) and the MCP server config. */
export function fixturePolicy() {
  const servers = (tools: Tools, serverName: string) => ({
    inputHash: serverName,
    tools: Object.entries(tools).map(([toolName, args]) => ({
      toolName,
      serverName,
      comment: toolName,
      args,
      // An object schema without properties admits any keys: the fixture is about decisions, not argument shapes.
      inputSchema: { type: 'object' },
    })),
  });
  return {
    artifacts: {
      compiledPolicy: {
        generatedAt: '2026-11-25T00:00:00Z',
        constitutionHash: 'bench',
        inputHash: 'bench',
        rules: [
          rule(
            'allow-read-documents',
            { server: ['filesystem', 'git'], paths: { roles: ['read-path'], within: '~/Documents' } },
            'allow',
          ),
          rule(
            'allow-read-downloads',
            { server: ['filesystem'], paths: { roles: ['read-path'], within: '~/Downloads' } },
            'allow',
          ),
          rule(
            'allow-write-downloads',
            { server: ['filesystem'], paths: { roles: ['write-path'], within: '~/Downloads' } },
            'allow',
          ),
          rule(
            'escalate-git-remotes',
            { server: ['git'], domains: { roles: ['git-remote-url'], allowed: ['*'] } },
            'escalate',
          ),
          rule(
            'allow-git-session-tools',
            { server: ['git'], tool: ['git_clear_working_dir', 'git_wrapup_instructions'] },
            'allow',
          ),
          rule('allow-web-search', { server: ['fetch'], tool: ['web_search'] }, 'allow'),
          rule(
            'allow-fetch-news',
            { server: ['fetch'], domains: { roles: ['fetch-url'], allowed: newsSites } },
            'allow',
          ),
          rule(
            'allow-fetch-dev',
            { server: ['fetch'], domains: { roles: ['fetch-url'], allowed: devSites } },
            'allow',
          ),
          rule(
            'escalate-fetch-other',
            { server: ['fetch'], domains: { roles: ['fetch-url'], allowed: ['*'] } },
            'escalate',
          ),
        ],
      },
      toolAnnotations: {
        generatedAt: '2026-11-25T00:00:00Z',
        servers: {
          filesystem: servers(filesystemTools, 'filesystem'),
          git: servers(gitTools, 'git'),
          fetch: servers(fetchTools, 'fetch'),
        },
      },
    },
    mcpServers: {
      filesystem: { command: 'npx', sandbox: { network: { allowedDomains: [] } } },
      git: {
        command: 'npx',
        sandbox: {
          network: { allowedDomains: ['github.com', '*.github.com', 'gitlab.com', 'codeberg.org'] },
        },
      },
      fetch: { command: 'node', sandbox: { network: { allowedDomains: ['*'] } } },
    },
  };
}
