// The canonicalization module (src/canonicalize/): canonical arguments, argsHash, container mapping, schema checks.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  canonicalizeCall,
  computeArgsHash,
  containerToHostPath,
  hostToContainerPath,
  validateArgumentsAgainstSchema,
  type ArgumentRole,
  type CanonicalizationContext,
} from '../src/index.js';
import { git, initRepository, temporaryDirectory } from './helpers.js';

let sandbox: string;
let home: string;
let context: CanonicalizationContext;

beforeEach(() => {
  const root = temporaryDirectory();
  sandbox = join(root, 'sandbox');
  home = join(root, 'home');
  mkdirSync(sandbox);
  mkdirSync(home);
  context = { sandboxDir: sandbox, homeDir: home, isContainerSession: false };
});

const roles = (entries: Record<string, ArgumentRole[]>) => new Map(Object.entries(entries));
const canonicalize = (
  serverName: string,
  toolName: string,
  args: Record<string, unknown>,
  argumentRoles: Record<string, ArgumentRole[]>,
  overrides: Partial<CanonicalizationContext> = {},
) =>
  canonicalizeCall({ serverName, toolName, arguments: args }, roles(argumentRoles), {
    ...context,
    ...overrides,
  });

describe('canonicalizeCall', () => {
  it('paths become symlink-aware absolute paths; other arguments are kept as they are', () => {
    symlinkSync(sandbox, join(home, 'work'));
    const result = canonicalize(
      'filesystem',
      'write_file',
      { path: '~/work/a.txt', content: 'Hi ~/x' },
      { path: ['write-path'], content: ['none'] },
    );
    expect(result).toMatchObject({
      ok: true,
      call: { arguments: { path: join(sandbox, 'a.txt'), content: 'Hi ~/x' } },
    });
  });

  it('arrays of paths are canonicalized element by element; relative paths resolve against the sandbox', () => {
    const result = canonicalize(
      'filesystem',
      'read_multiple_files',
      { paths: ['a', './b/../c'] },
      { paths: ['read-path'] },
    );
    expect(result.ok && result.call.arguments.paths).toEqual([join(sandbox, 'a'), join(sandbox, 'c')]);
  });

  it('fetch-url keeps the URL (as parsed); the hostname is lowercased and IDN becomes punycode', () => {
    const result = canonicalize(
      'fetch',
      'fetch',
      { url: 'HTTPS://Bücher.Example/Path?q=1' },
      { url: ['fetch-url'] },
    );
    expect(result.ok && result.call.arguments.url).toBe('https://xn--bcher-kva.example/Path?q=1');
  });

  it('fetch-url must be http(s) with a host', () => {
    expect(
      canonicalize('fetch', 'fetch', { url: 'file://localhost/etc/passwd' }, { url: ['fetch-url'] }),
    ).toMatchObject({
      ok: false,
      rule: 'invalid-arguments',
    });
  });

  it('github-owner and github-repo are lowercased', () => {
    const result = canonicalize(
      'github',
      'get_repo',
      { owner: 'MyOrg', repo: 'App' },
      { owner: ['github-owner'], repo: ['github-repo'] },
    );
    expect(result.ok && result.call.arguments).toEqual({ owner: 'myorg', repo: 'app' });
  });

  it('git-remote-url URLs become host/owner/repo', () => {
    const result = canonicalize(
      'git',
      'git_clone',
      { url: 'git@GitHub.com:Me/App.git', path: 'app' },
      { url: ['git-remote-url'], path: ['write-path'] },
    );
    expect(result.ok && result.call.arguments).toEqual({
      url: 'github.com/me/app',
      path: join(sandbox, 'app'),
    });
  });

  it('git_clone with url `origin` is not allowed (a named remote that cannot be resolved)', () => {
    const repository = initRepository(temporaryDirectory());
    git(repository, 'remote', 'add', 'origin', 'https://github.com/me/app.git');
    const result = canonicalize(
      'git',
      'git_clone',
      { url: 'origin', path: join(repository, 'clone') },
      { url: ['git-remote-url'], path: ['write-path'] },
    );
    expect(result).toMatchObject({ ok: false, rule: 'invalid-arguments' });
  });

  it('git calls on a repository: a named remote is resolved, an absent remote becomes the effective one', () => {
    const repository = initRepository(join(sandbox));
    git(repository, 'remote', 'add', 'origin', 'https://github.com/me/app.git');
    const pushRoles = { path: ['read-path'], remote: ['git-remote-url'] } as Record<string, ArgumentRole[]>;
    const named = canonicalize('git', 'git_push', { path: '.', remote: 'origin' }, pushRoles);
    expect(named).toMatchObject({
      ok: true,
      call: { arguments: { remote: 'github.com/me/app', path: sandbox } },
    });
    const absent = canonicalize('git', 'git_push', { path: '.' }, pushRoles);
    expect(absent).toMatchObject({ ok: true, call: { arguments: { remote: 'github.com/me/app' } } });
    expect(absent.ok && absent.gitRemotes).toEqual([
      {
        argument: 'remote',
        requested: undefined,
        canonical: 'github.com/me/app',
        remoteNames: ['origin'],
        urls: ['https://github.com/me/app.git'],
      },
    ]);
    expect(canonicalize('git', 'git_push', { path: '.', remote: 'nope' }, pushRoles)).toMatchObject({
      ok: false,
    });
  });

  it('a repository without any remote leaves an absent remote absent (git has nowhere to push)', () => {
    initRepository(sandbox);
    const result = canonicalize(
      'git',
      'git_push',
      { path: sandbox },
      { path: ['read-path'], remote: ['git-remote-url'] },
    );
    expect(result.ok && result.call.arguments).toEqual({ path: sandbox });
  });

  it('NUL or control characters in a path, URL or identifier ⇒ invalid; in opaque arguments they are kept', () => {
    expect(
      canonicalize('filesystem', 'read_file', { path: 'a\u0000b' }, { path: ['read-path'] }),
    ).toMatchObject({ ok: false, rule: 'invalid-arguments' });
    expect(
      canonicalize('fetch', 'fetch', { url: 'https://a.com/\u001b[31m' }, { url: ['fetch-url'] }),
    ).toMatchObject({ ok: false });
    expect(
      canonicalize('github', 'get_repo', { owner: 'me\u0085' }, { owner: ['github-owner'] }),
    ).toMatchObject({ ok: false });
    expect(
      canonicalize('git', 'git_commit', { message: 'a\nb' }, { message: ['commit-message'] }),
    ).toMatchObject({ ok: true });
  });

  it('a path, URL or identifier argument that is not a string (or array of strings) ⇒ invalid', () => {
    for (const value of [42, { nested: '/etc' }, ['/a', 7], true]) {
      expect(
        canonicalize('filesystem', 'read_file', { path: value }, { path: ['read-path'] }),
        JSON.stringify(value),
      ).toMatchObject({ ok: false });
    }
  });

  it('argsHash is sha256 hex of the canonical JSON (sorted keys) of the canonical arguments', () => {
    const first = canonicalize(
      'filesystem',
      'write_file',
      { path: 'a', content: 'x', meta: { b: 1, a: [2, { d: 3, c: 4 }] } },
      { path: ['write-path'] },
    );
    const second = canonicalize(
      'filesystem',
      'write_file',
      { meta: { a: [2, { c: 4, d: 3 }], b: 1 }, content: 'x', path: `${sandbox}/a` },
      { path: ['write-path'] },
    );
    expect(first.ok && first.argsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.ok && first.argsHash).toBe(second.ok && second.argsHash);
    expect(first.ok && first.argsHash).toBe(
      computeArgsHash({ content: 'x', meta: { a: [2, { c: 4, d: 3 }], b: 1 }, path: join(sandbox, 'a') }),
    );
    const other = canonicalize(
      'filesystem',
      'write_file',
      { path: 'a', content: 'y' },
      { path: ['write-path'] },
    );
    expect(other.ok && other.argsHash).not.toBe(first.ok && first.argsHash);
  });

  it('an own `__proto__` key survives canonicalization as data, not as a prototype', () => {
    const args = JSON.parse('{"path":"a","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const result = canonicalize('filesystem', 'read_file', args, { path: ['read-path'] });
    expect(result.ok && Object.hasOwn(result.call.arguments, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('Stricter than IronCurtain: /workspace is the sandbox only for container sessions', () => {
  it('container sessions map /workspace/… to the host sandbox and back', () => {
    const mapping = { sandboxDir: '/host/sandbox', isContainerSession: true };
    expect(containerToHostPath('/workspace/src/a.ts', mapping)).toBe('/host/sandbox/src/a.ts');
    expect(containerToHostPath('/workspace', mapping)).toBe('/host/sandbox');
    expect(containerToHostPath('/workspace/../etc/passwd', mapping)).toBe('/workspace/../etc/passwd');
    expect(containerToHostPath('/workspace2/x', mapping)).toBe('/workspace2/x');
    expect(hostToContainerPath('/host/sandbox/src/a.ts', mapping)).toBe('/workspace/src/a.ts');
  });

  it('host sessions leave /workspace/… alone: it is just a host path', () => {
    expect(
      containerToHostPath('/workspace/a', { sandboxDir: '/host/sandbox', isContainerSession: false }),
    ).toBe('/workspace/a');
    const host = canonicalize('filesystem', 'read_file', { path: '/workspace/a' }, { path: ['read-path'] });
    expect(host.ok && host.call.arguments.path).toBe('/workspace/a');
    const container = canonicalize(
      'filesystem',
      'read_file',
      { path: '/workspace/a' },
      { path: ['read-path'] },
      { isContainerSession: true },
    );
    expect(container.ok && container.call.arguments.path).toBe(join(sandbox, 'a'));
  });
});

describe('validateArgumentsAgainstSchema (the gateway check that maps to invalid-arguments)', () => {
  const schema = {
    type: 'object',
    properties: {
      path: { type: 'string' },
      count: { type: 'integer' },
      tags: { type: 'array', items: { type: 'string' } },
      options: { type: 'object' },
    },
    required: ['path'],
    additionalProperties: false,
  };

  it('accepts arguments that fit', () => {
    expect(
      validateArgumentsAgainstSchema(schema, { path: '/a', count: 2, tags: ['x'], options: { any: 1 } }),
    ).toEqual({ ok: true });
  });

  it('unknown keys ⇒ invalid', () => {
    expect(validateArgumentsAgainstSchema(schema, { path: '/a', file: '/etc/passwd' })).toEqual({
      ok: false,
      rule: 'invalid-arguments',
      reason: 'arguments: unknown key "file"',
    });
    expect(
      validateArgumentsAgainstSchema({ ...schema, additionalProperties: undefined }, { path: '/a', x: 1 }),
    ).toMatchObject({ ok: false });
    expect(validateArgumentsAgainstSchema(schema, JSON.parse('{"path":"/a","__proto__":{}}'))).toMatchObject({
      ok: false,
    });
  });

  it('unless additionalProperties allows them', () => {
    expect(
      validateArgumentsAgainstSchema({ ...schema, additionalProperties: true }, { path: '/a', x: 1 }),
    ).toEqual({ ok: true });
    expect(
      validateArgumentsAgainstSchema(
        { ...schema, additionalProperties: { type: 'number' } },
        { path: '/a', x: 1 },
      ),
    ).toEqual({ ok: true });
    expect(
      validateArgumentsAgainstSchema(
        { ...schema, additionalProperties: { type: 'number' } },
        { path: '/a', x: 'y' },
      ),
    ).toMatchObject({ ok: false });
  });

  it('primitive type mismatches ⇒ invalid, with a reason', () => {
    expect(validateArgumentsAgainstSchema(schema, { path: ['/a'] })).toMatchObject({
      ok: false,
      reason: 'arguments.path: expected string, received array',
    });
    expect(validateArgumentsAgainstSchema(schema, { path: '/a', count: 1.5 })).toMatchObject({ ok: false });
    expect(validateArgumentsAgainstSchema(schema, { path: '/a', tags: ['x', 2] })).toMatchObject({
      ok: false,
      reason: 'arguments.tags[1]: expected string, received number',
    });
    expect(
      validateArgumentsAgainstSchema(
        { type: 'object', properties: { v: { anyOf: [{ type: 'string' }, { type: 'null' }] } } },
        { v: null },
      ),
    ).toEqual({ ok: true });
  });

  it('missing required keys, a missing schema and non-object arguments ⇒ invalid', () => {
    expect(validateArgumentsAgainstSchema(schema, {})).toMatchObject({
      ok: false,
      reason: 'arguments: missing required "path"',
    });
    expect(validateArgumentsAgainstSchema(undefined, {})).toMatchObject({ ok: false });
    expect(validateArgumentsAgainstSchema(schema, ['/a'])).toMatchObject({ ok: false });
  });
});
