// `explain(call, …)`: every invariant and rule considered, with whether and why it matched (`ironcurtain policy explain`).
import { describe, expect, it } from 'vitest';
import { createEvaluator, explain } from '../src/index.js';
import { policyOf, rule } from './helpers.js';

const policy = policyOf({
  rules: [
    rule('docs-read', { paths: { roles: ['read-path'], within: '/docs' } }, 'allow'),
    rule('writes', { roles: ['write-path'] }, 'escalate'),
    rule('reads-escalate', { roles: ['read-path'] }, 'escalate'),
  ],
});

describe('explain', () => {
  it('returns the same result as evaluate, plus the steps that led to it', () => {
    const evaluator = createEvaluator(policy, {
      sandboxDir: '/sandbox',
      protectedPaths: ['/home/u/.ironcurtain'],
    });
    const call = { serverName: 'filesystem', toolName: 'read_file', arguments: { path: '/etc/hosts' } };
    const explanation = evaluator.explain(call);
    expect(explanation.result).toEqual(evaluator.evaluate(call));
    expect(explanation.result).toMatchObject({ decision: 'escalate', rule: 'reads-escalate' });
    const summary = explanation.steps.map((step) => `${step.stage}:${step.id}:${step.outcome}`);
    expect(summary).toEqual([
      'annotation:annotation:matched',
      'invariant:structural-protected-path:not-matched',
      'invariant:structural-secret-path:not-matched',
      'invariant:structural-introspection-allow:skipped',
      'invariant:structural-sandbox-containment:not-matched',
      'invariant:structural-domain-escalate:skipped',
      'invariant:structural-unknown-tool:not-matched',
      'rule:docs-read:not-matched',
      'rule:writes:skipped',
      'rule:reads-escalate:matched',
      'result:reads-escalate:matched',
    ]);
    expect(explanation.steps[7]?.detail).toBe('"/etc/hosts" is not within /docs');
    expect(explanation.steps[8]?.detail).toBe('does not name role read-path');
  });

  it('names the invariant that decided', () => {
    const context = createEvaluator(policy, { protectedPaths: ['/p'] }).context;
    const explanation = explain(
      { serverName: 'filesystem', toolName: 'read_file', arguments: { path: '/p/x' } },
      policy,
      context,
    );
    expect(explanation.steps.at(-2)).toMatchObject({
      stage: 'invariant',
      id: 'structural-protected-path',
      role: 'read-path',
      outcome: 'matched',
    });
    expect(explanation.result.rule).toBe('structural-protected-path');
  });

  it('explains invalid arguments', () => {
    const context = createEvaluator(policy).context;
    const explanation = explain(
      { serverName: 'filesystem', toolName: 'read_file', arguments: { path: 7 } },
      policy,
      context,
    );
    expect(explanation.steps.find((step) => step.stage === 'input')).toMatchObject({
      id: 'invalid-arguments',
      detail: 'argument "path" (role read-path) must be a string or an array of strings',
    });
  });
});
