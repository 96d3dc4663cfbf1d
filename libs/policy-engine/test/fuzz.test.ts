// Property tests: hostile arguments never make evaluation or canonicalization throw, and never allow a path under
// a protected path.
import { mkdirSync, realpathSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalizeCall,
  createEvaluator,
  evaluate,
  isWithin,
  resolveToolAnnotation,
  validateArgumentsAgainstSchema,
} from '../src/index.js';
import { policyOf, rule, standardTools, temporaryDirectory } from './helpers.js';

const allowEverything = policyOf({ rules: [rule('allow-everything', {}, 'allow')] });
const home = '/home/u';
const ironcurtainHome = '/home/u/.ironcurtain';
const sandbox = '/home/u/.ironcurtain/sessions/s1/sandbox';
const protectedPaths = [ironcurtainHome, '/home/u/project/.env', '/etc/ironcurtain/mcp.json'];
const evaluator = createEvaluator(allowEverything, {
  sandboxDir: sandbox,
  homeDir: home,
  protectedPaths,
  serverDomains: { fetch: ['*'] },
});

const hostileKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'path',
    'paths',
    'url',
    'remote',
    'owner',
    'to',
    'source',
  ),
  fc.string(),
  fc.string({ unit: 'grapheme' }),
);
const hostileValue = fc.oneof(
  fc.anything({
    key: hostileKey,
    maxDepth: 4,
    withNullPrototype: true,
    withBigInt: true,
    withMap: true,
    withSet: true,
  }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constant('x'.repeat(200_000)),
  fc.array(fc.string({ unit: 'grapheme' })),
);
const hostileArguments = fc.dictionary(hostileKey, hostileValue, { maxKeys: 6 });
const knownTools = standardTools.map((entry) => [entry.serverName, entry.toolName] as const);
const hostileCall = fc
  .tuple(fc.oneof(fc.constantFrom(...knownTools), fc.tuple(fc.string(), fc.string())), hostileArguments)
  .map(([[serverName, toolName], args]) => ({ serverName, toolName, arguments: args }));
const decisions = new Set(['allow', 'deny', 'escalate']);

const segment = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '',
    '.ironcurtain',
    'sessions',
    's1',
    's2',
    'sandbox',
    'sandbox2',
    'config.json',
    '.env',
    'project',
    'u',
    'home',
    '~',
  ),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);
const hostilePath = fc
  .tuple(
    fc.constantFrom('/', '~/', '', '/workspace/', `${sandbox}/`, `${ironcurtainHome}/`),
    fc.array(segment, { maxLength: 8 }),
  )
  .map(([prefix, segments]) => prefix + segments.join('/'));

// What the path means, computed independently of the engine (lexically; evaluation without canonicalization).
function oracleResolve(path: string): string | undefined {
  if (path === '~' || path.startsWith('~/')) return posix.resolve(home, `.${path.slice(1)}`);
  return posix.resolve(sandbox, path);
}

function isOracleProtected(path: string): boolean {
  return protectedPaths.some(
    (entry) => isWithin(path, entry) && !(isWithin(sandbox, entry) && isWithin(path, sandbox)),
  );
}

describe('fuzz: evaluation never throws on hostile input', () => {
  it('random calls (nested objects, non-strings, huge strings, unicode, __proto__ keys) always get a decision', () => {
    fc.assert(
      fc.property(hostileCall, (call) => {
        const decision = evaluator.evaluate(call);
        expect(decisions.has(decision.decision)).toBe(true);
        expect(typeof decision.rule).toBe('string');
        expect(decision.policyHash).toBe(allowEverything.policyHash);
      }),
      { numRuns: 500 },
    );
  });

  it('garbage that is not even a call is a deny', () => {
    fc.assert(
      fc.property(fc.anything(), (garbage) => {
        const decision = evaluate(garbage as never, allowEverything, evaluator.context);
        expect(decision.decision).toBe('deny');
      }),
      { numRuns: 200 },
    );
  });

  it('arguments that are not a plain JSON object (a Map, an array) are invalid', () => {
    for (const args of [new Map([['path', '/etc/passwd']]), ['/etc/passwd']]) {
      const decision = evaluator.evaluate({
        serverName: 'filesystem',
        toolName: 'read_file',
        arguments: args as never,
      });
      expect(decision).toMatchObject({ decision: 'deny', rule: 'invalid-arguments' });
    }
  });

  it('a throwing getter in the arguments is an internal problem: deny', () => {
    const args = Object.defineProperty({}, 'path', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    expect(
      evaluator.evaluate({ serverName: 'filesystem', toolName: 'read_file', arguments: args }),
    ).toMatchObject({
      decision: 'deny',
      rule: 'default-deny',
    });
  });

  it('never allows a path under a protected path, even with an allow-everything rule', () => {
    fc.assert(
      fc.property(
        hostilePath,
        fc.constantFrom('read_file', 'write_file', 'delete_file'),
        (path, toolName) => {
          const decision = evaluator.evaluate({ serverName: 'filesystem', toolName, arguments: { path } });
          const meant = oracleResolve(path);
          if (decision.decision === 'allow' && meant !== undefined)
            expect(isOracleProtected(meant), path).toBe(false);
          if (meant !== undefined && isOracleProtected(meant) && !/\p{Cc}/u.test(path)) {
            expect(decision.decision, path).toBe('deny');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('fuzz: canonicalization', () => {
  it('never throws on hostile arguments', () => {
    const context = {
      sandboxDir: '/nonexistent/sandbox',
      homeDir: '/nonexistent/home',
      isContainerSession: false,
    };
    fc.assert(
      fc.property(hostileCall, (call) => {
        const stored = allowEverything.annotations.get(call.serverName)?.get(call.toolName);
        const roles = stored === undefined ? new Map() : resolveToolAnnotation(stored, call.arguments).args;
        const result = canonicalizeCall(call, roles, context);
        expect(typeof result.ok).toBe('boolean');
        expect(validateArgumentsAgainstSchema(stored?.inputSchema, call.arguments).ok).toBeTypeOf('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('on a real tree with symlinks into IRONCURTAIN_HOME, an allowed path never reaches a protected file', () => {
    const root = temporaryDirectory();
    const realHome = posix.join(root, 'home');
    const realIronCurtain = posix.join(realHome, '.ironcurtain');
    const realSandbox = posix.join(realIronCurtain, 'sessions', 's1', 'sandbox');
    mkdirSync(posix.join(realSandbox, 'dir'), { recursive: true });
    mkdirSync(posix.join(realIronCurtain, 'sessions', 's1', 'sandbox2'), { recursive: true });
    writeFileSync(posix.join(realIronCurtain, 'config.json'), '{}');
    symlinkSync(realIronCurtain, posix.join(realSandbox, 'to-home'));
    symlinkSync('../..', posix.join(realSandbox, 'dir', 'up'));
    symlinkSync(posix.join(realIronCurtain, 'new.json'), posix.join(realSandbox, 'dangling'));
    const realEvaluator = createEvaluator(allowEverything, {
      sandboxDir: realSandbox,
      homeDir: realHome,
      protectedPaths: [realIronCurtain],
    });
    const context = { sandboxDir: realSandbox, homeDir: realHome, isContainerSession: false };
    const pathSegment = fc.constantFrom(
      '..',
      '.',
      'dir',
      'up',
      'to-home',
      'dangling',
      'config.json',
      'sandbox',
      'sandbox2',
      'x',
    );
    const relativePath = fc
      .array(pathSegment, { minLength: 1, maxLength: 7 })
      .map((segments) => segments.join('/'));

    fc.assert(
      fc.property(relativePath, (path) => {
        const call = { serverName: 'filesystem', toolName: 'write_file', arguments: { path, content: '' } };
        const canonical = canonicalizeCall(
          call,
          resolveToolAnnotation(standardTools[1] as never, call.arguments).args,
          context,
        );
        if (!canonical.ok) return;
        const target = canonical.call.arguments.path as string;
        if (realEvaluator.evaluate(canonical.call).decision !== 'allow') return;
        // The kernel, acting on the canonical path, follows no symlink and lands outside the protected tree.
        expect(
          isWithin(target, realIronCurtain) && !isWithin(target, realSandbox),
          `${path} → ${target}`,
        ).toBe(false);
        let existing = target;
        while (!existsSync(existing)) existing = posix.dirname(existing);
        expect(realpathSync(existing), `${path} → ${target}`).toBe(existing);
      }),
      { numRuns: 1000 },
    );
  });
});
