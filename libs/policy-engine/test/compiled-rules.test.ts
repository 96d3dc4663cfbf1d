// POLICY-SEMANTICS.md, "Evaluation order" step 5 and the Condition fields of compiled-policy.json.
import { describe, expect, it } from 'vitest';
import { createEvaluator, type ToolCall } from '../src/index.js';
import { policyOf, rule, standardTools, tool } from './helpers.js';

const call = (serverName: string, toolName: string, args: Record<string, unknown>): ToolCall => ({
  serverName,
  toolName,
  arguments: args,
});
const evaluatorFor = (rules: unknown[], options = {}) => createEvaluator(policyOf({ rules }), options);

describe('Step 5: compiled rules, per resource role, independently', () => {
  it('if the tool has resource roles and all are resolved ⇒ allow, structural-sandbox-allow', () => {
    const evaluator = evaluatorFor([rule('deny-all', {}, 'deny')], { sandboxDir: '/sandbox' });
    const move = evaluator.evaluate(
      call('filesystem', 'move_file', { source: '/sandbox/a', destination: '/sandbox/b' }),
    );
    expect(move).toMatchObject({ decision: 'allow', rule: 'structural-sandbox-allow' });
  });

  it('a tool with no resource roles: first matching rule, else default deny', () => {
    const run = (rules: unknown[]) => evaluatorFor(rules).evaluate(call('exec', 'run', { command: 'ls' }));
    expect(
      run([
        rule('no', { tool: ['other'] }, 'allow'),
        rule('yes', { server: ['exec'] }, 'escalate'),
        rule('later', {}, 'allow'),
      ]),
    ).toMatchObject({ decision: 'escalate', rule: 'yes' });
    expect(run([rule('no', { tool: ['other'] }, 'allow')])).toMatchObject({
      decision: 'deny',
      rule: 'default-deny',
    });
  });

  it('a tool with no resource roles is not matched by a rule with a value condition (zero values ⇒ fails)', () => {
    const rules = [rule('paths', { paths: { roles: ['read-path'], within: '/' } }, 'allow')];
    expect(evaluatorFor(rules).evaluate(call('exec', 'run', { command: 'ls' })).rule).toBe('default-deny');
  });

  it('a rule applies to a role when it names that role (roles, paths, domains, lists) or names none', () => {
    const rules = [
      rule('about-writes', { roles: ['write-path'] }, 'deny'),
      rule('about-fetch', { domains: { roles: ['fetch-url'], allowed: ['*'] } }, 'deny'),
      rule(
        'about-mail',
        { lists: [{ roles: ['email-address'], allowed: ['*'], matchType: 'identifiers' }] },
        'deny',
      ),
      rule('reads-in-data', { paths: { roles: ['read-path'], within: '/data' } }, 'escalate'),
      rule('names-none', { server: ['filesystem'] }, 'allow'),
    ];
    const evaluator = evaluatorFor(rules);
    expect(evaluator.evaluate(call('filesystem', 'read_file', { path: '/data/x' })).rule).toBe(
      'reads-in-data',
    );
    expect(evaluator.evaluate(call('filesystem', 'read_file', { path: '/etc/x' })).rule).toBe('names-none');
  });

  it('roles: the tool has an argument with one of the roles', () => {
    const evaluator = evaluatorFor([rule('reads', { roles: ['read-path', 'fetch-url'] }, 'allow')]);
    expect(evaluator.evaluate(call('filesystem', 'read_file', { path: '/x' })).rule).toBe('reads');
    expect(evaluator.evaluate(call('filesystem', 'write_file', { path: '/x' })).rule).toBe('default-deny');
  });

  it('server and tool: the call is in the list', () => {
    const evaluator = evaluatorFor([
      rule('fs-read', { server: ['filesystem'], tool: ['read_file'] }, 'allow'),
    ]);
    expect(evaluator.evaluate(call('filesystem', 'read_file', { path: '/x' })).rule).toBe('fs-read');
    expect(evaluator.evaluate(call('filesystem', 'write_file', { path: '/x' })).rule).toBe('default-deny');
  });

  it('paths: all values of the named roles within `within`; zero values ⇒ the condition fails', () => {
    const evaluator = evaluatorFor([
      rule('docs', { paths: { roles: ['read-path'], within: '/docs' } }, 'allow'),
    ]);
    const read = (paths: unknown) => evaluator.evaluate(call('filesystem', 'read_multiple_files', { paths }));
    expect(read(['/docs/a', '/docs/b/c']).rule).toBe('docs');
    expect(read(['/docs/a', '/etc/b']).rule).toBe('default-deny');
    expect(read([]).rule).toBe('default-deny');
    expect(evaluator.evaluate(call('filesystem', 'read_file', { path: '/docs' })).rule).toBe('docs');
    expect(evaluator.evaluate(call('filesystem', 'read_file', { path: '/docs2/a' })).rule).toBe(
      'default-deny',
    );
  });

  it('domains: every URL-role value matches a pattern; zero values ⇒ fails', () => {
    const evaluator = evaluatorFor([
      rule('gh', { domains: { roles: ['git-remote-url'], allowed: ['github.com'] } }, 'allow'),
      rule('repo-reads', { roles: ['read-path'] }, 'allow'),
    ]);
    const push = (remote?: string) =>
      evaluator.evaluate(
        call('git', 'git_push', remote === undefined ? { path: '/r' } : { path: '/r', remote }),
      );
    expect(push('https://github.com/a/b')).toMatchObject({ decision: 'allow' });
    expect(push('https://gitlab.com/a/b').rule).toBe('default-deny');
    expect(push().rule).toBe('default-deny');
  });

  it('lists: each must hold (identifiers on GitHub owners/repos compare lowercase)', () => {
    const lists = [
      { roles: ['github-owner'], allowed: ['MyOrg'], matchType: 'identifiers' },
      { roles: ['github-repo'], allowed: ['app', 'lib'], matchType: 'identifiers' },
    ];
    const evaluator = evaluatorFor([rule('own-repos', { lists }, 'allow')]);
    const get = (owner: string, repo: string) =>
      evaluator.evaluate(call('github', 'get_repo', { owner, repo }));
    expect(get('myorg', 'App')).toMatchObject({ decision: 'allow', rule: 'own-repos' });
    expect(get('other', 'app').rule).toBe('default-deny');
    expect(get('myorg', 'secret').rule).toBe('default-deny');
  });

  it('sideEffects (IronCurtain condition field): matches the annotation', () => {
    const evaluator = evaluatorFor([rule('read-only', { sideEffects: false }, 'allow')]);
    expect(evaluator.evaluate(call('filesystem', 'read_file', { path: '/x' })).rule).toBe('read-only');
    expect(evaluator.evaluate(call('filesystem', 'write_file', { path: '/x' })).rule).toBe('default-deny');
  });

  it('each role takes the first matching rule that applies to it', () => {
    const rules = [
      rule('first', { roles: ['read-path'] }, 'escalate'),
      rule('second', { roles: ['read-path'] }, 'allow'),
    ];
    expect(evaluatorFor(rules).evaluate(call('filesystem', 'read_file', { path: '/x' })).rule).toBe('first');
  });

  it('across roles the most restrictive wins: deny > escalate > allow', () => {
    const move = (rules: unknown[]) =>
      evaluatorFor(rules).evaluate(
        call('filesystem', 'move_file', { source: '/in/a', destination: '/out/a' }),
      );
    const allowRead = rule('allow-read', { roles: ['read-path'] }, 'allow');
    const escalateDelete = rule('escalate-delete', { roles: ['delete-path'] }, 'escalate');
    const denyWrite = rule('deny-write', { roles: ['write-path'] }, 'deny');
    const allowWrite = rule('allow-write', { roles: ['write-path'] }, 'allow');
    expect(move([allowRead, escalateDelete, denyWrite])).toMatchObject({
      decision: 'deny',
      rule: 'deny-write',
    });
    expect(move([allowRead, escalateDelete, allowWrite])).toMatchObject({
      decision: 'escalate',
      rule: 'escalate-delete',
      escalatedRoles: ['delete-path'],
    });
    expect(
      move([allowRead, allowWrite, rule('allow-delete', { roles: ['delete-path'] }, 'allow')]).decision,
    ).toBe('allow');
    expect(move([allowRead, allowWrite])).toMatchObject({ decision: 'deny', rule: 'default-deny' });
  });

  it('escalatedRoles lists every role that escalated', () => {
    const rules = [rule('escalate-everything', {}, 'escalate')];
    const move = evaluatorFor(rules).evaluate(
      call('filesystem', 'move_file', { source: '/a', destination: '/b' }),
    );
    expect(move.escalatedRoles).toEqual(['read-path', 'delete-path', 'write-path']);
  });
});

describe('Step 5: path roles with several values are discharged element by element', () => {
  const docs = rule('docs-allow', { paths: { roles: ['read-path'], within: '/docs' } }, 'allow');
  const data = rule('data-escalate', { paths: { roles: ['read-path'], within: '/data' } }, 'escalate');
  const read = (rules: unknown[], paths: string[], options = {}) =>
    evaluatorFor(rules, options).evaluate(call('filesystem', 'read_multiple_files', { paths }));

  it('each rule in order discharges the elements it matches; the most restrictive result wins', () => {
    expect(read([docs, data], ['/docs/a', '/data/b'])).toMatchObject({
      decision: 'escalate',
      rule: 'data-escalate',
      escalatedRoles: ['read-path'],
    });
    expect(read([docs, data], ['/docs/a', '/docs/b'])).toMatchObject({
      decision: 'allow',
      rule: 'docs-allow',
    });
  });

  it('any element left ⇒ default-deny', () => {
    expect(read([docs, data], ['/docs/a', '/etc/shadow'])).toMatchObject({
      decision: 'deny',
      rule: 'default-deny',
    });
  });

  it('sandbox elements first: they need no rule', () => {
    expect(read([docs], ['/sandbox/a', '/docs/b'], { sandboxDir: '/sandbox' })).toMatchObject({
      decision: 'allow',
      rule: 'docs-allow',
    });
    expect(read([docs], ['/sandbox/a', '/etc/b'], { sandboxDir: '/sandbox' }).rule).toBe('default-deny');
  });

  it('a rule without a paths condition discharges all remaining elements', () => {
    expect(
      read([docs, rule('rest', { roles: ['read-path'] }, 'escalate')], ['/docs/a', '/etc/b']),
    ).toMatchObject({
      decision: 'escalate',
      rule: 'rest',
    });
  });
});

describe('Annotations drive the roles', () => {
  it("A move's source carries delete-path (plus read-path); its destination write-path", () => {
    const move = standardTools.find((entry) => entry.toolName === 'move_file');
    expect(move?.args).toEqual({ source: ['read-path', 'delete-path'], destination: ['write-path'] });
    const rules = [
      rule('deny-deletes-in-archive', { paths: { roles: ['delete-path'], within: '/archive' } }, 'deny'),
      rule('rest', {}, 'allow'),
    ];
    const evaluator = evaluatorFor(rules);
    expect(
      evaluator.evaluate(call('filesystem', 'move_file', { source: '/archive/a', destination: '/tmp/a' }))
        .rule,
    ).toBe('deny-deletes-in-archive');
    expect(
      evaluator.evaluate(call('filesystem', 'move_file', { source: '/tmp/a', destination: '/archive/a' }))
        .rule,
    ).toBe('rest');
  });

  it('opaque roles (branch-name, commit-message, email-body, none) are not resource roles: no rule per role', () => {
    const policy = policyOf({
      tools: [tool('git', 'git_commit', { message: ['commit-message'], branch: ['branch-name'] })],
      rules: [rule('commits', { tool: ['git_commit'] }, 'allow')],
    });
    const decision = createEvaluator(policy).evaluate(
      call('git', 'git_commit', { message: 'line\nbreak', branch: 'main' }),
    );
    expect(decision).toMatchObject({ decision: 'allow', rule: 'commits' });
  });
});
