// POLICY-SEMANTICS.md, "Paths": resolveRealPath and within, on real directories, files and symlinks.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createEvaluator,
  isWithin,
  resolveRealPath,
  type CanonicalizationContext,
  type Evaluator,
} from '../src/index.js';
import { canonicalizeThenEvaluate, policyOf, temporaryDirectory } from './helpers.js';

let root: string;
let sandbox: string;
let outside: string;
let home: string;
let evaluator: Evaluator;
let context: CanonicalizationContext;

beforeEach(() => {
  root = temporaryDirectory();
  sandbox = join(root, 'sandbox');
  outside = join(root, 'outside');
  home = join(root, 'home');
  for (const directory of [sandbox, outside, home, join(sandbox, 'sub'), join(root, 'sandbox2')])
    mkdirSync(directory);
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  writeFileSync(join(sandbox, 'sub', 'ok.txt'), 'ok');
  evaluator = createEvaluator(policyOf({ rules: [] }), { sandboxDir: sandbox, homeDir: home });
  context = { sandboxDir: sandbox, homeDir: home, isContainerSession: false };
});

const read = (path: string) =>
  canonicalizeThenEvaluate(evaluator, context, {
    serverName: 'filesystem',
    toolName: 'read_file',
    arguments: { path },
  });
const write = (path: string) =>
  canonicalizeThenEvaluate(evaluator, context, {
    serverName: 'filesystem',
    toolName: 'write_file',
    arguments: { path, content: 'x' },
  });

describe('Paths: resolveRealPath(p)', () => {
  it('makes a relative path absolute against the session sandbox', () => {
    expect(resolveRealPath('sub/ok.txt', { baseDir: sandbox })).toBe(join(sandbox, 'sub', 'ok.txt'));
    expect(read('sub/ok.txt')).toMatchObject({ decision: 'allow', rule: 'structural-sandbox-allow' });
  });

  it('expands `~` (and `~/`) to the home directory; `~` cannot escape into the sandbox', () => {
    expect(resolveRealPath('~', { homeDir: home })).toBe(home);
    expect(resolveRealPath('~/notes.txt', { homeDir: home })).toBe(join(home, 'notes.txt'));
    expect(read('~/notes.txt')).toMatchObject({ decision: 'deny', rule: 'default-deny' });
    expect(() => resolveRealPath('~/x')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENTS' }));
  });

  it('`..` cannot escape: sandbox/sub/../../outside/secret.txt is outside', () => {
    // Template strings, not path.join: join would collapse the `..` before resolveRealPath sees it.
    expect(resolveRealPath(`${sandbox}/sub/../../outside/secret.txt`)).toBe(join(outside, 'secret.txt'));
    expect(read('sub/../../outside/secret.txt')).toMatchObject({ decision: 'deny', rule: 'default-deny' });
  });

  it('a symlink inside the sandbox that points outside cannot escape', () => {
    symlinkSync(outside, join(sandbox, 'link'));
    expect(resolveRealPath(join(sandbox, 'link', 'secret.txt'))).toBe(join(outside, 'secret.txt'));
    expect(read(join(sandbox, 'link', 'secret.txt'))).toMatchObject({
      decision: 'deny',
      rule: 'default-deny',
    });
  });

  it('a dangling symlink (target not yet created) cannot escape a write', () => {
    symlinkSync(join(outside, 'created-later.txt'), join(sandbox, 'dangling'));
    expect(resolveRealPath(join(sandbox, 'dangling'))).toBe(join(outside, 'created-later.txt'));
    expect(write(join(sandbox, 'dangling'))).toMatchObject({ decision: 'deny', rule: 'default-deny' });
  });

  it('a symlink behind a missing directory and `..` is still followed (missing/../link)', () => {
    symlinkSync(outside, join(sandbox, 'link'));
    expect(resolveRealPath(`${sandbox}/missing/../link/secret.txt`)).toBe(join(outside, 'secret.txt'));
    expect(read(`${sandbox}/missing/../link/secret.txt`)).toMatchObject({
      decision: 'deny',
      rule: 'default-deny',
    });
  });

  it('`..` after a symlink applies to the link target, as the kernel does', () => {
    symlinkSync(join(outside), join(sandbox, 'up'));
    expect(resolveRealPath(`${sandbox}/up/../sandbox2`)).toBe(join(root, 'sandbox2'));
    expect(read(`${sandbox}/up/../sandbox2`)).toMatchObject({ decision: 'deny', rule: 'default-deny' });
  });

  it('realpaths the deepest existing ancestor and re-attaches the rest', () => {
    symlinkSync(sandbox, join(root, 'alias'));
    expect(resolveRealPath(join(root, 'alias', 'new', 'dir', 'file.txt'))).toBe(
      join(sandbox, 'new', 'dir', 'file.txt'),
    );
    expect(write(join(root, 'alias', 'new', 'file.txt'))).toMatchObject({
      decision: 'allow',
      rule: 'structural-sandbox-allow',
    });
  });

  it('a symlink loop is an error, not a hang', () => {
    symlinkSync(join(sandbox, 'b'), join(sandbox, 'a'));
    symlinkSync(join(sandbox, 'a'), join(sandbox, 'b'));
    expect(() => resolveRealPath(join(sandbox, 'a', 'x'))).toThrow(/too many levels of symbolic links/);
    expect(read(join(sandbox, 'a', 'x'))).toMatchObject({ decision: 'deny', rule: 'invalid-arguments' });
  });

  it('a sandbox configured through a symlink is resolved once; paths by either name are inside', () => {
    symlinkSync(sandbox, join(root, 'sandbox-link'));
    const viaLink = createEvaluator(policyOf({ rules: [] }), { sandboxDir: join(root, 'sandbox-link') });
    expect(viaLink.context.sandboxDir).toBe(sandbox);
    const linkContext = { ...context, sandboxDir: join(root, 'sandbox-link') };
    const call = {
      serverName: 'filesystem',
      toolName: 'read_file',
      arguments: { path: join(root, 'sandbox-link', 'x') },
    };
    expect(canonicalizeThenEvaluate(viaLink, linkContext, call).rule).toBe('structural-sandbox-allow');
  });
});

describe('Paths: within(t, d)', () => {
  it('t == d or t starts with d + "/"', () => {
    expect(isWithin('/data/sandbox', '/data/sandbox')).toBe(true);
    expect(isWithin('/data/sandbox/a', '/data/sandbox')).toBe(true);
    expect(isWithin('/data/sandbox2', '/data/sandbox')).toBe(false);
    expect(isWithin('/data', '/data/sandbox')).toBe(false);
    expect(isWithin('/anything', '/')).toBe(true);
  });

  it('/tmp/x/sandbox2 is not within /tmp/x/sandbox (real directories)', () => {
    writeFileSync(join(root, 'sandbox2', 'f.txt'), 'x');
    expect(read(join(root, 'sandbox2', 'f.txt'))).toMatchObject({ decision: 'deny', rule: 'default-deny' });
    expect(read('../sandbox2/f.txt')).toMatchObject({ decision: 'deny', rule: 'default-deny' });
  });

  it('relative paths are resolved against the session sandbox for the decision (even without canonicalization)', () => {
    expect(
      evaluator.evaluate({
        serverName: 'filesystem',
        toolName: 'read_file',
        arguments: { path: 'sub/ok.txt' },
      }).rule,
    ).toBe('structural-sandbox-allow');
    expect(
      evaluator.evaluate({
        serverName: 'filesystem',
        toolName: 'read_file',
        arguments: { path: '../outside' },
      }).rule,
    ).toBe('default-deny');
  });
});
