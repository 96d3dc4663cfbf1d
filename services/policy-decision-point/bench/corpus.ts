// The mixed call corpus: what an agent actually sends (in-sandbox work, reads and writes in the user's folders,
// protected paths, default-deny writes, git remotes, fetches, unknown tools), plus the decision the shipped default
// policy should give each, so a surprising decision is reported rather than silently benchmarked.
import { join } from 'node:path';
import { prepareToolCall, type Decision, type LoadedPolicy, type ToolCall } from '@ironcurtain/policy-engine';
import type { BenchWorld } from './bench-world.ts';

export interface CorpusEntry {
  name: string;
  /** The call as the agent sends it (what goes over NATS). */
  raw: ToolCall;
  /** The call after canonicalization, done once up front: what the engine and Cedar decide. */
  canonical: ToolCall;
  /** What the shipped default policy should decide. */
  expected: Decision;
}

type Draft = [name: string, server: string, tool: string, args: Record<string, unknown>, expected: Decision];

function drafts(world: BenchWorld): Draft[] {
  const { sandbox, home, ironcurtainHome } = world;
  const box = (path: string) => join(sandbox, path);
  const documents = (path = '') => join(home, 'Documents', path);
  const downloads = (path = '') => join(home, 'Downloads', path);
  const repo = box('repo');
  return [
    ['read in sandbox', 'filesystem', 'read_file', { path: box('notes.md') }, 'allow'],
    ['read relative to sandbox', 'filesystem', 'read_text_file', { path: 'notes.md' }, 'allow'],
    ['write in sandbox', 'filesystem', 'write_file', { path: box('out.txt'), content: 'x' }, 'allow'],
    ['edit in sandbox', 'filesystem', 'edit_file', { path: box('notes.md'), edits: [] }, 'allow'],
    [
      'dry-run edit in Documents',
      'filesystem',
      'edit_file',
      { path: documents('report.md'), edits: [], dryRun: true },
      'allow',
    ],
    ['edit in Documents', 'filesystem', 'edit_file', { path: documents('report.md'), edits: [] }, 'deny'],
    ['read in Documents', 'filesystem', 'read_file', { path: documents('report.md') }, 'allow'],
    ['read with ~ in Documents', 'filesystem', 'read_file', { path: '~/Documents/report.md' }, 'allow'],
    ['read in Downloads', 'filesystem', 'read_media_file', { path: downloads('paper.pdf') }, 'allow'],
    ['write in Downloads', 'filesystem', 'write_file', { path: downloads('new.txt'), content: 'x' }, 'allow'],
    ['write in Documents', 'filesystem', 'write_file', { path: documents('new.txt'), content: 'x' }, 'deny'],
    ['read /etc/passwd', 'filesystem', 'read_file', { path: '/etc/passwd' }, 'deny'],
    ['read ssh key via ..', 'filesystem', 'read_file', { path: documents('../.ssh/id_ed25519') }, 'deny'],
    ['read sibling-prefix dir', 'filesystem', 'list_directory', { path: join(home, 'Documents2') }, 'deny'],
    ['read config.json', 'filesystem', 'read_file', { path: join(ironcurtainHome, 'config.json') }, 'deny'],
    [
      'write generated policy',
      'filesystem',
      'write_file',
      { path: join(ironcurtainHome, 'generated', 'compiled-policy.json'), content: '{}' },
      'deny',
    ],
    ['read ./.env', 'filesystem', 'read_file', { path: join(world.protectedCwd, '.env') }, 'deny'],
    ['read mcp config', 'filesystem', 'read_text_file', { path: world.mcpConfigPath }, 'deny'],
    [
      'read another session',
      'filesystem',
      'read_file',
      { path: join(ironcurtainHome, 'sessions', 'other', 'sandbox', 'x') },
      'deny',
    ],
    ['stat sandbox parent', 'filesystem', 'get_file_info', { path: box('..') }, 'deny'],
    [
      'move sandbox to Downloads',
      'filesystem',
      'move_file',
      { source: box('notes.md'), destination: downloads('notes.md') },
      'allow',
    ],
    [
      'move out of Downloads',
      'filesystem',
      'move_file',
      { source: downloads('paper.pdf'), destination: box('paper.pdf') },
      'deny',
    ],
    [
      'move into Documents',
      'filesystem',
      'move_file',
      { source: box('notes.md'), destination: documents('notes.md') },
      'deny',
    ],
    [
      'move the folder holding .env',
      'filesystem',
      'move_file',
      { source: world.protectedCwd, destination: box('work') },
      'deny',
    ],
    [
      'read many: sandbox+Documents+Downloads',
      'filesystem',
      'read_multiple_files',
      { paths: [box('a'), documents('b'), downloads('c')] },
      'allow',
    ],
    [
      'read many: sandbox+/etc',
      'filesystem',
      'read_multiple_files',
      { paths: [box('a'), '/etc/shadow'] },
      'deny',
    ],
    [
      'read many: Documents only',
      'filesystem',
      'read_multiple_files',
      { paths: [documents('a'), documents('b')] },
      'allow',
    ],
    [
      'read many: sandbox only',
      'filesystem',
      'read_multiple_files',
      { paths: [box('a'), box('b'), box('c'), box('d')] },
      'allow',
    ],
    [
      'read many: one protected',
      'filesystem',
      'read_multiple_files',
      { paths: [documents('a'), join(ironcurtainHome, 'config.json')] },
      'deny',
    ],
    ['list allowed directories', 'filesystem', 'list_allowed_directories', {}, 'allow'],
    ['list Documents', 'filesystem', 'list_directory', { path: documents() }, 'allow'],
    ['list home', 'filesystem', 'list_directory_with_sizes', { path: home }, 'deny'],
    ['tree Downloads', 'filesystem', 'directory_tree', { path: downloads() }, 'allow'],
    ['search Documents', 'filesystem', 'search_files', { path: documents(), pattern: '*.md' }, 'allow'],
    ['mkdir in Downloads', 'filesystem', 'create_directory', { path: downloads('new') }, 'allow'],
    ['mkdir in /tmp', 'filesystem', 'create_directory', { path: '/tmp/pdp-bench-elsewhere' }, 'deny'],
    ['git status in sandbox', 'git', 'git_status', { path: repo }, 'allow'],
    ['git log in Documents', 'git', 'git_log', { path: documents('proj'), maxCount: 5 }, 'allow'],
    ['git diff in Downloads', 'git', 'git_diff', { path: downloads() }, 'deny'],
    ['git commit in sandbox', 'git', 'git_commit', { path: repo, message: 'wip' }, 'allow'],
    ['git commit in Documents', 'git', 'git_commit', { path: documents('proj'), message: 'wip' }, 'deny'],
    ['git push default remote', 'git', 'git_push', { path: repo }, 'escalate'],
    ['git push named remote', 'git', 'git_push', { path: repo, remote: 'upstream' }, 'escalate'],
    ['git push set upstream', 'git', 'git_push', { path: repo, setUpstream: true }, 'escalate'],
    ['git push to undeclared host', 'git', 'git_push', { path: box('evil-repo') }, 'escalate'],
    ['git pull', 'git', 'git_pull', { path: repo }, 'escalate'],
    ['git fetch in Documents', 'git', 'git_fetch', { path: documents('proj') }, 'deny'],
    [
      'git clone https into sandbox',
      'git',
      'git_clone',
      { url: 'https://github.com/acme/app.git', path: box('clone') },
      'escalate',
    ],
    [
      'git clone scp-form into sandbox',
      'git',
      'git_clone',
      { url: 'git@gitlab.com:team/proj.git', path: box('clone2') },
      'escalate',
    ],
    [
      'git clone into Downloads',
      'git',
      'git_clone',
      { url: 'https://github.com/acme/app', path: downloads('clone') },
      'deny',
    ],
    [
      'git clone from an IP',
      'git',
      'git_clone',
      { url: 'https://192.168.1.10/acme/app.git', path: box('clone3') },
      'escalate',
    ],
    [
      'git remote add',
      'git',
      'git_remote',
      { path: repo, mode: 'add', name: 'fork', url: 'https://github.com/me/app' },
      'escalate',
    ],
    ['git remote list', 'git', 'git_remote', { path: repo, mode: 'list' }, 'allow'],
    ['git clear working dir', 'git', 'git_clear_working_dir', { confirm: 'Y' }, 'allow'],
    ['git wrap-up', 'git', 'git_wrapup_instructions', { acknowledgement: 'Y' }, 'allow'],
    ['git branch list', 'git', 'git_branch', { path: repo, mode: 'list' }, 'allow'],
    [
      'git branch create in Documents',
      'git',
      'git_branch',
      { path: documents('proj'), mode: 'create', branchName: 'x' },
      'deny',
    ],
    [
      'git worktree remove in sandbox',
      'git',
      'git_worktree',
      { path: repo, mode: 'remove', worktreePath: box('wt') },
      'allow',
    ],
    [
      'git worktree add to Downloads',
      'git',
      'git_worktree',
      { path: repo, mode: 'add', worktreePath: downloads('wt') },
      'deny',
    ],
    ['git reset hard', 'git', 'git_reset', { path: repo, mode: 'hard', target: 'HEAD~1' }, 'allow'],
    ['git init in Documents', 'git', 'git_init', { path: documents('new-repo') }, 'deny'],
    ['fetch news site', 'fetch', 'http_fetch', { url: 'https://www.bbc.co.uk/news' }, 'allow'],
    ['fetch news apex', 'fetch', 'http_fetch', { url: 'https://reuters.com/world' }, 'allow'],
    ['fetch dev site', 'fetch', 'http_fetch', { url: 'https://github.com/acme/app/issues' }, 'allow'],
    ['fetch exact dev host', 'fetch', 'http_fetch', { url: 'https://docs.rs/serde' }, 'allow'],
    ['fetch hacker news', 'fetch', 'http_fetch', { url: 'https://news.ycombinator.com/item?id=1' }, 'allow'],
    ['fetch unlisted site', 'fetch', 'http_fetch', { url: 'https://example.org/' }, 'escalate'],
    ['fetch look-alike host', 'fetch', 'http_fetch', { url: 'https://evilgithub.com/' }, 'escalate'],
    ['fetch suffix trick', 'fetch', 'http_fetch', { url: 'https://github.com.evil.net/x' }, 'escalate'],
    ['fetch an IPv4 address', 'fetch', 'http_fetch', { url: 'http://10.0.0.1/admin' }, 'escalate'],
    ['fetch an IPv6 address', 'fetch', 'http_fetch', { url: 'http://[::1]:8080/' }, 'escalate'],
    ['web search', 'fetch', 'web_search', { query: 'cedar policy language' }, 'allow'],
    ['unknown filesystem tool', 'filesystem', 'delete_file', { path: box('notes.md') }, 'deny'],
    ['unknown server', 'shell', 'exec', { command: 'rm -rf /' }, 'deny'],
    ['unknown fetch tool', 'fetch', 'http_post', { url: 'https://example.org/', body: 'x' }, 'deny'],
  ];
}

/**
 * The corpus, prepared once the way the gateway prepares a call (prepareToolCall: the tool's input schema checked,
 * roles resolved against the call, paths realpath'd, the effective git remote read from the repository). A call that
 * does not pass is a corpus bug: the benchmark decides valid calls.
 */
export function buildCorpus(world: BenchWorld, policy: LoadedPolicy): CorpusEntry[] {
  return drafts(world).map(([name, serverName, toolName, args, expected]) => {
    const raw: ToolCall = { serverName, toolName, arguments: args };
    const annotation = policy.annotations.get(serverName)?.get(toolName);
    const prepared = prepareToolCall(
      raw,
      { annotation },
      {
        sandboxDir: world.sandbox,
        homeDir: world.home,
        isContainerSession: false,
      },
    );
    if (!prepared.ok) throw new Error(`corpus call "${name}" does not prepare: ${prepared.reason}`);
    return { name, raw, canonical: prepared.call, expected };
  });
}
