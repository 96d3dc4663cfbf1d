// POLICY-SEMANTICS.md, "Conditional" annotations and evaluation step 2 (resolve conditional roles).
import { describe, expect, it } from 'vitest';
import {
  createEvaluator,
  resolveToolAnnotation,
  type RoleCondition,
  type StoredToolAnnotation,
} from '../src/index.js';
import { policyOf, rule, tool } from './helpers.js';

const stored = (condition: RoleCondition): StoredToolAnnotation =>
  ({
    toolName: 'git_branch',
    serverName: 'git',
    comment: '',
    args: {
      path: {
        default: ['read-path', 'delete-history'],
        when: [
          { condition, roles: ['read-path'] },
          { condition: { arg: 'force', is: 'truthy' }, roles: [] },
        ],
      },
    },
  }) as StoredToolAnnotation;

const rolesOf = (condition: RoleCondition, args: Record<string, unknown>) =>
  resolveToolAnnotation(stored(condition), args).args.get('path');

describe('Conditional roles: first matching `when` wins, else `default`', () => {
  it('equals', () => {
    expect(rolesOf({ arg: 'mode', equals: 'list' }, { mode: 'list' })).toEqual(['read-path']);
    expect(rolesOf({ arg: 'mode', equals: 'list' }, { mode: 'delete' })).toEqual([
      'read-path',
      'delete-history',
    ]);
    expect(rolesOf({ arg: 'mode', equals: 1 }, { mode: '1' })).toEqual(['read-path', 'delete-history']);
  });

  it('in', () => {
    expect(rolesOf({ arg: 'mode', in: ['list', 'show'] }, { mode: 'show' })).toEqual(['read-path']);
    expect(rolesOf({ arg: 'mode', in: ['list', 'show'] }, { mode: 'delete' })).toEqual([
      'read-path',
      'delete-history',
    ]);
  });

  it('is present | absent', () => {
    expect(rolesOf({ arg: 'name', is: 'present' }, { name: 'x' })).toEqual(['read-path']);
    expect(rolesOf({ arg: 'name', is: 'present' }, { name: null })).toEqual(['read-path', 'delete-history']);
    expect(rolesOf({ arg: 'name', is: 'absent' }, {})).toEqual(['read-path']);
    expect(rolesOf({ arg: 'name', is: 'absent' }, { name: 'x' })).toEqual(['read-path', 'delete-history']);
  });

  it('is truthy | falsy', () => {
    expect(rolesOf({ arg: 'delete', is: 'falsy' }, { delete: false })).toEqual(['read-path']);
    expect(rolesOf({ arg: 'delete', is: 'falsy' }, {})).toEqual(['read-path']);
    expect(rolesOf({ arg: 'delete', is: 'falsy' }, { delete: 'yes' })).toEqual([
      'read-path',
      'delete-history',
    ]);
  });

  it('first match wins: the earlier `when` decides even if a later one also holds', () => {
    expect(rolesOf({ arg: 'mode', equals: 'list' }, { mode: 'list', force: true })).toEqual(['read-path']);
    expect(rolesOf({ arg: 'mode', equals: 'list' }, { mode: 'delete', force: true })).toEqual([]);
  });

  it('inherited keys (`constructor`, `__proto__`) are never "present"', () => {
    expect(rolesOf({ arg: 'constructor', is: 'present' }, {})).toEqual(['read-path', 'delete-history']);
    expect(rolesOf({ arg: 'toString', is: 'truthy' }, {})).toEqual(['read-path', 'delete-history']);
  });

  it('the resolved roles decide which rules apply', () => {
    const branchTool = tool('git', 'git_branch', stored({ arg: 'mode', equals: 'list' }).args);
    const policy = policyOf({
      tools: [branchTool],
      rules: [
        rule('allow-reads', { roles: ['read-path'] }, 'allow'),
        rule('escalate-history', { roles: ['delete-history'] }, 'escalate'),
      ],
    });
    const evaluator = createEvaluator(policy, { sandboxDir: '/sandbox' });
    const call = (args: Record<string, unknown>) =>
      evaluator.evaluate({ serverName: 'git', toolName: 'git_branch', arguments: args });
    expect(call({ path: '/repos/x', mode: 'list' })).toMatchObject({
      decision: 'allow',
      rule: 'allow-reads',
    });
    expect(call({ path: '/repos/x', mode: 'delete' })).toMatchObject({
      decision: 'escalate',
      rule: 'escalate-history',
      escalatedRoles: ['delete-history'],
    });
  });
});
