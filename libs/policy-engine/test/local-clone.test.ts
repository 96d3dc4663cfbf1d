// A clone whose source is a local repository: the source is a path the clone reads, so it is canonicalized as a real
// path and evaluated as a read-path value (sandbox containment, protected paths, path rules), never as a remote.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  canonicalizeCall,
  createEvaluator,
  resolveToolAnnotation,
  type CanonicalizationContext,
  type Evaluator,
} from '../src/index.js';
import { canonicalizeThenEvaluate, initRepository, policyOf, temporaryDirectory } from './helpers.js';

describe('git_clone of a local repository', () => {
  let sandbox: string;
  let outside: string;
  let context: CanonicalizationContext;
  let evaluator: Evaluator;
  const clone = (url: string, path = 'copy') => ({
    serverName: 'git',
    toolName: 'git_clone',
    arguments: { url, path },
  });

  beforeEach(() => {
    sandbox = temporaryDirectory();
    outside = temporaryDirectory();
    for (const repository of [join(sandbox, 'source'), join(outside, 'elsewhere')]) {
      mkdirSync(repository);
      initRepository(repository);
    }
    context = { sandboxDir: sandbox, homeDir: outside, isContainerSession: false };
    evaluator = createEvaluator(policyOf(), {
      sandboxDir: sandbox,
      protectedPaths: [join(outside, 'secrets')],
    });
  });

  it('is allowed by sandbox containment when source and target are in the sandbox, however the source is written', () => {
    for (const url of [
      join(sandbox, 'source'),
      `file://${join(sandbox, 'source')}`,
      './source',
      `../${sandbox.split('/').at(-1) ?? ''}/source`,
    ]) {
      expect(canonicalizeThenEvaluate(evaluator, context, clone(url)), url).toMatchObject({
        decision: 'allow',
        rule: 'structural-sandbox-allow',
      });
    }
  });

  it('is not allowed by containment when the source lies outside the sandbox, even through a symlink', () => {
    symlinkSync(join(outside, 'elsewhere'), join(sandbox, 'link'));
    for (const url of [join(outside, 'elsewhere'), './link', `file://${join(sandbox, 'link')}`]) {
      expect(canonicalizeThenEvaluate(evaluator, context, clone(url)), url).toMatchObject({
        decision: 'deny',
        rule: 'default-deny',
      });
    }
  });

  it('is denied when the source is a protected path', () => {
    mkdirSync(join(outside, 'secrets'));
    expect(canonicalizeThenEvaluate(evaluator, context, clone(join(outside, 'secrets')))).toMatchObject({
      decision: 'deny',
      rule: 'structural-protected-path',
    });
  });

  it('refuses transport helpers, bare names and file URLs with a host', () => {
    for (const url of ['ext::sh -c touch% /tmp/x', 'fd::17', 'origin', 'file://host/srv/repo']) {
      expect(canonicalizeThenEvaluate(evaluator, context, clone(url)), url).toMatchObject({
        decision: 'deny',
        rule: 'invalid-arguments',
      });
    }
  });

  it('canonicalizes the source to its real path, which is what the gateway runs', () => {
    symlinkSync(join(sandbox, 'source'), join(sandbox, 'alias'));
    const call = clone('./alias');
    const stored = evaluator.policy.annotations.get('git')?.get('git_clone');
    if (stored === undefined) throw new Error('git_clone is annotated in the test policy');
    const canonical = canonicalizeCall(call, resolveToolAnnotation(stored, call.arguments).args, context);
    expect(canonical).toMatchObject({
      ok: true,
      call: { arguments: { url: join(sandbox, 'source'), path: join(sandbox, 'copy') } },
    });
  });
});
