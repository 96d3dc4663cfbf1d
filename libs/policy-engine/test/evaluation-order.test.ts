// POLICY-SEMANTICS.md, "Evaluation order", steps 1–3 and 6: trusted servers, structural invariants, default deny.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createEvaluator,
  deriveProtectedPaths,
  RuleId,
  type Evaluator,
  type ToolCall,
} from '../src/index.js';
import { policyOf, rule, temporaryDirectory } from './helpers.js';

const allowEverything = rule('allow-everything', {}, 'allow');

let root: string;
let home: string;
let sandbox: string;
let workingDirectory: string;
let evaluator: Evaluator;

function call(serverName: string, toolName: string, args: Record<string, unknown> = {}): ToolCall {
  return { serverName, toolName, arguments: args };
}

beforeEach(() => {
  root = temporaryDirectory();
  home = join(root, '.ironcurtain');
  sandbox = join(home, 'sessions', 's1', 'sandbox');
  workingDirectory = join(root, 'project');
  mkdirSync(sandbox, { recursive: true });
  mkdirSync(workingDirectory);
  const protectedPaths = deriveProtectedPaths(home, {
    policyDirs: [join(root, 'policies')],
    mcpConfigPath: join(root, 'mcp-servers.json'),
    cwd: workingDirectory,
  });
  evaluator = createEvaluator(policyOf({ rules: [allowEverything] }), {
    sandboxDir: sandbox,
    homeDir: root,
    protectedPaths,
    trustedServers: ['memory'],
    serverDomains: { fetch: ['*.example.com'], git: ['github.com'] },
  });
});

describe('Evaluation order 1: trusted servers (configured) ⇒ allow, rule trusted-server', () => {
  it('allows any call to a trusted server, even an unannotated tool on a protected path', () => {
    const decision = evaluator.evaluate(call('memory', 'anything', { path: join(home, 'config.json') }));
    expect(decision).toMatchObject({ decision: 'allow', rule: 'trusted-server' });
    expect(decision.policyHash).toBe(evaluator.policy.policyHash);
  });

  it('an untrusted server is evaluated', () => {
    expect(evaluator.evaluate(call('other', 'anything')).rule).toBe('structural-unknown-tool');
  });
});

describe('Evaluation order 3a: protected paths ⇒ deny, structural-protected-path', () => {
  const read = (path: string) => evaluator.evaluate(call('filesystem', 'read_file', { path }));

  it('IRONCURTAIN_HOME and anything under it', () => {
    expect(read(home)).toMatchObject({ decision: 'deny', rule: 'structural-protected-path' });
    expect(read(join(home, 'sessions', 's2', 'audit.jsonl')).rule).toBe('structural-protected-path');
  });

  it('the session sandbox is carved out of IRONCURTAIN_HOME', () => {
    expect(read(join(sandbox, 'notes.txt'))).toMatchObject({
      decision: 'allow',
      rule: 'structural-sandbox-allow',
    });
  });

  it('a sibling sandbox of another session is not carved out', () => {
    expect(read(join(home, 'sessions', 's1', 'sandbox2', 'x')).rule).toBe('structural-protected-path');
  });

  it('constitution files, generated policy dirs, the MCP server config, audit logs, config.json', () => {
    for (const path of [
      join(home, 'constitution.md'),
      join(home, 'constitution-user.md'),
      join(home, 'generated', 'compiled-policy.json'),
      join(root, 'policies', 'tool-annotations.json'),
      join(root, 'mcp-servers.json'),
      join(home, 'sessions', 's1', 'audit.jsonl'),
      join(home, 'config.json'),
    ]) {
      expect(read(path), path).toMatchObject({ decision: 'deny', rule: 'structural-protected-path' });
    }
  });

  it('./.env is protected even when absent', () => {
    expect(read(join(workingDirectory, '.env'))).toMatchObject({
      decision: 'deny',
      rule: 'structural-protected-path',
    });
    expect(read(join(workingDirectory, 'other.txt'))).toMatchObject({
      decision: 'allow',
      rule: 'allow-everything',
    });
  });

  it('applies to every path role of every server (write, delete, git history)', () => {
    const config = join(home, 'config.json');
    expect(evaluator.evaluate(call('filesystem', 'write_file', { path: config, content: 'x' })).rule).toBe(
      'structural-protected-path',
    );
    expect(
      evaluator.evaluate(call('filesystem', 'move_file', { source: join(sandbox, 'a'), destination: config }))
        .rule,
    ).toBe('structural-protected-path');
    expect(evaluator.evaluate(call('git', 'git_reset', { path: home, mode: 'hard' })).rule).toBe(
      'structural-protected-path',
    );
  });

  it('a protected path inside the sandbox stays protected (the carve-out is only for entries that contain the sandbox)', () => {
    const local = createEvaluator(policyOf({ rules: [allowEverything] }), {
      sandboxDir: workingDirectory,
      protectedPaths: deriveProtectedPaths(home, { policyDirs: [], cwd: workingDirectory }),
    });
    const read = (path: string) => local.evaluate(call('filesystem', 'read_file', { path }));
    expect(read(join(workingDirectory, '.env')).rule).toBe('structural-protected-path');
    expect(read(join(workingDirectory, 'main.ts')).rule).toBe('structural-sandbox-allow');
  });

  it('deleting a directory that holds a protected path is protected (stricter than IronCurtain)', () => {
    const decision = evaluator.evaluate(call('filesystem', 'delete_file', { path: root }));
    expect(decision).toMatchObject({ decision: 'deny', rule: 'structural-protected-path' });
  });

  it('comes before the compiled rules: an allow-everything rule cannot override it', () => {
    expect(read(join(home, 'config.json')).decision).toBe('deny');
  });
});

describe('Evaluation order 3b: list_allowed_directories with no arguments ⇒ allow, structural-introspection-allow', () => {
  const deny = createEvaluator(policyOf({ rules: [rule('deny-all', {}, 'deny')] }), { sandboxDir: '/s' });

  it('allows the call with no arguments, before any rule', () => {
    expect(deny.evaluate(call('filesystem', 'list_allowed_directories'))).toMatchObject({
      decision: 'allow',
      rule: 'structural-introspection-allow',
    });
  });

  it('not with arguments', () => {
    expect(deny.evaluate(call('filesystem', 'list_allowed_directories', { x: 1 })).rule).toBe('deny-all');
  });

  it('not for a same-named tool of another server (as IronCurtain: filesystem only)', () => {
    expect(deny.evaluate(call('other', 'list_allowed_directories')).rule).toBe('structural-unknown-tool');
  });
});

describe('Evaluation order 3c: sandbox containment (filesystem and git servers)', () => {
  const rules = [
    rule('escalate-writes', { roles: ['write-path'] }, 'escalate'),
    rule('deny-reads', { roles: ['read-path'] }, 'deny'),
  ];

  it('a path role whose every value is inside the sandbox is resolved: it needs no rule', () => {
    const local = createEvaluator(policyOf({ rules }), { sandboxDir: '/data/sandbox' });
    const move = local.evaluate(
      call('filesystem', 'move_file', { source: '/data/sandbox/a', destination: '/data/out/a' }),
    );
    // read-path and delete-path are resolved; write-path goes to the rules on its own.
    expect(move).toMatchObject({
      decision: 'escalate',
      rule: 'escalate-writes',
      escalatedRoles: ['write-path'],
    });
  });

  it('one value outside leaves the role to the rules', () => {
    const local = createEvaluator(policyOf({ rules }), { sandboxDir: '/data/sandbox' });
    const decision = local.evaluate(
      call('filesystem', 'read_multiple_files', { paths: ['/data/sandbox/a', '/etc/hosts'] }),
    );
    expect(decision).toMatchObject({ decision: 'deny', rule: 'deny-reads' });
  });

  it('applies to the git server too', () => {
    const local = createEvaluator(policyOf({ rules: [] }), { sandboxDir: '/data/sandbox' });
    const reset = local.evaluate(call('git', 'git_reset', { path: '/data/sandbox/repo', mode: 'hard' }));
    expect(reset).toMatchObject({ decision: 'allow', rule: 'structural-sandbox-allow' });
  });

  it('not to other servers', () => {
    const policy = policyOf({ tools: [{ ...toolOf('notes', 'save', { file: ['write-path'] }) }], rules: [] });
    const local = createEvaluator(policy, { sandboxDir: '/data/sandbox' });
    expect(local.evaluate(call('notes', 'save', { file: '/data/sandbox/n.txt' })).rule).toBe('default-deny');
  });

  it('/data/sandbox2 is not within /data/sandbox', () => {
    const local = createEvaluator(policyOf({ rules: [] }), { sandboxDir: '/data/sandbox' });
    expect(local.evaluate(call('filesystem', 'read_file', { path: '/data/sandbox2/x' })).rule).toBe(
      'default-deny',
    );
  });
});

describe('Evaluation order 3d: domain gate ⇒ escalate, structural-domain-escalate', () => {
  it("a URL-role value outside the server's declared domains escalates, naming the role", () => {
    expect(evaluator.evaluate(call('fetch', 'fetch', { url: 'https://evil.com/' }))).toMatchObject({
      decision: 'escalate',
      rule: 'structural-domain-escalate',
      escalatedRoles: ['fetch-url'],
    });
  });

  it('passing the gate does not resolve the role: the rules still decide', () => {
    const local = createEvaluator(
      policyOf({ rules: [rule('deny-fetch', { roles: ['fetch-url'] }, 'deny')] }),
      {
        serverDomains: { fetch: ['*.example.com'] },
      },
    );
    expect(local.evaluate(call('fetch', 'fetch', { url: 'https://api.example.com/x' }))).toMatchObject({
      decision: 'deny',
      rule: 'deny-fetch',
    });
  });

  it('servers without declared domains have no gate', () => {
    const local = createEvaluator(policyOf({ rules: [allowEverything] }), { serverDomains: {} });
    expect(local.evaluate(call('fetch', 'fetch', { url: 'https://evil.com/' })).rule).toBe(
      'allow-everything',
    );
  });

  it('applies to git remotes (host/owner/repo)', () => {
    const push = (remote: string) =>
      evaluator.evaluate(call('git', 'git_push', { path: join(sandbox, 'r'), remote }));
    expect(push('https://github.com/me/repo.git').rule).toBe('allow-everything');
    expect(push('git@gitlab.com:me/repo.git')).toMatchObject({
      rule: 'structural-domain-escalate',
      escalatedRoles: ['git-remote-url'],
    });
  });

  it('comes after protected paths', () => {
    const policy = policyOf({
      tools: [toolOf('fetch', 'save', { url: ['fetch-url'], to: ['write-path'] })],
      rules: [],
    });
    const local = createEvaluator(policy, { protectedPaths: ['/p'], serverDomains: { fetch: [] } });
    expect(local.evaluate(call('fetch', 'save', { url: 'https://evil.com', to: '/p/x' })).rule).toBe(
      'structural-protected-path',
    );
  });
});

describe('Evaluation order 3e: no annotation ⇒ deny, structural-unknown-tool', () => {
  it('denies a tool the annotations do not know, even with an allow-everything rule', () => {
    expect(evaluator.evaluate(call('filesystem', 'format_disk'))).toMatchObject({
      decision: 'deny',
      rule: 'structural-unknown-tool',
    });
  });
});

describe('Evaluation order 6: nothing matched ⇒ deny, default-deny', () => {
  it('a policy without rules denies a call outside the sandbox', () => {
    const local = createEvaluator(policyOf({ rules: [] }));
    expect(local.evaluate(call('fetch', 'fetch', { url: 'https://example.com' }))).toMatchObject({
      decision: 'deny',
      rule: 'default-deny',
      reason: 'No matching policy rule -- denied by default',
    });
  });
});

function toolOf(serverName: string, toolName: string, args: Record<string, unknown>) {
  return { toolName, serverName, comment: '', sideEffects: true, args, inputSchema: { type: 'object' } };
}

describe('Rule ids are part of the contract', () => {
  it('structural-*, default-deny, trusted-server and invalid-arguments are spelled exactly so', () => {
    expect(Object.values(RuleId).sort()).toEqual([
      'default-deny',
      'invalid-arguments',
      'structural-domain-escalate',
      'structural-introspection-allow',
      'structural-protected-path',
      'structural-sandbox-allow',
      'structural-secret-path',
      'structural-unknown-tool',
      'trusted-server',
    ]);
  });
});
