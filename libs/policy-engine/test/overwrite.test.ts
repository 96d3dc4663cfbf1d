// POLICY-SEMANTICS.md, "Stricter than IronCurtain": a write that replaces an existing file outside the sandbox also
// deletes it (base principle 3: permission to write somewhere is not permission to destroy there), on real files.
// Canonicalization records what is on disk; evaluation reads the record; the gateway checks it again at execute.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  canonicalizeCall,
  computeArgsHash,
  createEvaluator,
  findChangedPathState,
  pathStatesArgument,
  prepareToolCall,
  resolveToolAnnotation,
  validateArgumentsAgainstSchema,
  withoutPathStates,
  type CanonicalizationContext,
  type ToolCall,
} from '../src/index.js';
import {
  canonicalizeThenEvaluate,
  policyOf,
  rule,
  standardTools,
  temporaryDirectory,
  tool,
} from './helpers.js';

const tools = [
  ...standardTools,
  tool('filesystem', 'edit_file', { path: ['read-path', 'write-path'], edits: ['none'] }),
  tool('filesystem', 'create_directory', { path: ['write-path'] }),
];
const readAndWrite = [
  rule('read-downloads', { paths: { roles: ['read-path'], within: '~/Downloads' } }, 'allow'),
  rule('write-downloads', { paths: { roles: ['write-path'], within: '~/Downloads' } }, 'allow'),
];

let sandbox: string;
let home: string;
let downloads: string;
let statement: string;
let context: CanonicalizationContext;

beforeEach(() => {
  const root = temporaryDirectory();
  sandbox = join(root, 'sandbox');
  home = join(root, 'home');
  downloads = join(home, 'Downloads');
  statement = join(downloads, 'statement.csv');
  for (const directory of [sandbox, join(downloads, 'reports')]) mkdirSync(directory, { recursive: true });
  writeFileSync(statement, 'date,amount\n2025-04-01,-950.00\n');
  writeFileSync(join(sandbox, 'empty.txt'), '');
  context = { sandboxDir: sandbox, homeDir: home, isContainerSession: false };
});

function decider(rules: unknown[]) {
  const evaluator = createEvaluator(policyOf({ tools, rules }), { sandboxDir: sandbox, homeDir: home });
  return (toolName: string, args: Record<string, unknown>) =>
    canonicalizeThenEvaluate(evaluator, context, { serverName: 'filesystem', toolName, arguments: args });
}

describe('Stricter: a write that replaces an existing file outside the sandbox also deletes it', () => {
  it('write permission creates new files but does not overwrite, edit or move onto existing ones', () => {
    const decide = decider(readAndWrite);
    expect(decide('write_file', { path: join(downloads, 'new.txt'), content: 'x' })).toMatchObject({
      decision: 'allow',
      rule: 'write-downloads',
    });
    const overwrite = decide('write_file', { path: statement, content: '' });
    expect(overwrite).toMatchObject({ decision: 'deny', rule: 'default-deny' });
    const edit = decide('edit_file', { path: statement, edits: [{ oldText: '-950.00', newText: '' }] });
    expect(edit).toMatchObject({ decision: 'deny', rule: 'default-deny' });
    const moveOnto = decide('move_file', { source: join(sandbox, 'empty.txt'), destination: statement });
    expect(moveOnto).toMatchObject({ decision: 'deny', rule: 'default-deny' });
    const moveNew = decide('move_file', {
      source: join(sandbox, 'empty.txt'),
      destination: join(downloads, 'e.txt'),
    });
    expect(moveNew).toMatchObject({ decision: 'allow' });
  });

  it('a write through a symlink onto an existing file is an overwrite of that file', () => {
    symlinkSync(statement, join(downloads, 'innocent.txt'));
    expect(
      decider(readAndWrite)('write_file', { path: join(downloads, 'innocent.txt'), content: '' }),
    ).toMatchObject({ decision: 'deny', rule: 'default-deny' });
  });

  it('only a rule that allows deleting there allows the overwrite; an escalating one escalates delete-path', () => {
    const withDeletes = decider([
      ...readAndWrite,
      rule('delete-downloads', { paths: { roles: ['delete-path'], within: '~/Downloads' } }, 'allow'),
    ]);
    expect(withDeletes('write_file', { path: statement, content: '' })).toMatchObject({ decision: 'allow' });
    const askFirst = decider([
      ...readAndWrite,
      rule('ask-deletes', { paths: { roles: ['delete-path'], within: '~/Downloads' } }, 'escalate'),
    ]);
    expect(askFirst('write_file', { path: statement, content: '' })).toMatchObject({
      decision: 'escalate',
      escalatedRoles: ['delete-path'],
    });
  });

  it('an existing directory is not replaced by a write (create_directory on it stays a write)', () => {
    expect(decider(readAndWrite)('create_directory', { path: join(downloads, 'reports') })).toMatchObject({
      decision: 'allow',
      rule: 'write-downloads',
    });
  });

  it("inside the sandbox nothing is recorded: the agent's own files are its own to overwrite", () => {
    const canonical = canonicalizeCall(
      { serverName: 'filesystem', toolName: 'write_file', arguments: { path: 'empty.txt', content: 'x' } },
      new Map([['path', ['write-path']]]),
      context,
    );
    expect(canonical).toMatchObject({ ok: true, call: { arguments: { path: join(sandbox, 'empty.txt') } } });
    if (!canonical.ok) throw new Error('not canonical');
    expect(Object.hasOwn(canonical.call.arguments, pathStatesArgument)).toBe(false);
    expect(decider([])('write_file', { path: 'empty.txt', content: 'x' })).toMatchObject({
      decision: 'allow',
    });
  });
});

describe('the record: canonical, signed with the arguments, checked again at execute', () => {
  const writeRoles = new Map([['path', ['write-path'] as const]]);
  const writeCall = (path: string): ToolCall => ({
    serverName: 'filesystem',
    toolName: 'write_file',
    arguments: { path, content: '' },
  });

  it('canonicalization records each write and delete path outside the sandbox; the hash covers it', () => {
    const canonical = canonicalizeCall(writeCall('~/Downloads/statement.csv'), writeRoles, context);
    expect(canonical).toMatchObject({
      ok: true,
      call: { arguments: { path: statement, [pathStatesArgument]: { [statement]: 'file' } } },
    });
    if (!canonical.ok) throw new Error('not canonical');
    expect(canonical.argsHash).toBe(computeArgsHash(canonical.call.arguments));
    expect(canonical.argsHash).not.toBe(computeArgsHash(withoutPathStates(canonical.call.arguments)));
    const stored = policyOf({ tools }).annotations.get('filesystem')?.get('write_file');
    if (stored === undefined) throw new Error('write_file is annotated');
    expect(resolveToolAnnotation(stored, canonical.call.arguments).args.get('path')).toEqual([
      'write-path',
      'delete-path',
    ]);
  });

  it('a call that brings its own record is invalid, whatever it claims', () => {
    const forged = { path: statement, content: '', [pathStatesArgument]: { [statement]: 'absent' } };
    const call = { serverName: 'filesystem', toolName: 'write_file', arguments: forged };
    expect(canonicalizeCall(call, writeRoles, context)).toMatchObject({
      ok: false,
      rule: 'invalid-arguments',
    });
    expect(prepareToolCall(call, {}, context)).toMatchObject({ ok: false, rule: 'invalid-arguments' });
    const evaluator = createEvaluator(policyOf({ tools, rules: readAndWrite }), {
      sandboxDir: sandbox,
      homeDir: home,
    });
    const malformed = { path: statement, content: '', [pathStatesArgument]: { [statement]: 'gone' } };
    expect(evaluator.evaluate({ ...call, arguments: malformed })).toMatchObject({
      rule: 'invalid-arguments',
    });
  });

  it("the tool's schema check passes over the record; the server never receives it", () => {
    const schema = {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      additionalProperties: false,
    };
    const canonical = canonicalizeCall(writeCall(statement), writeRoles, context);
    if (!canonical.ok) throw new Error('not canonical');
    expect(validateArgumentsAgainstSchema(schema, canonical.call.arguments)).toEqual({ ok: true });
    expect(withoutPathStates(canonical.call.arguments)).toEqual({ path: statement, content: '' });
  });

  it('a file created after the decision turns a create into a change the gateway refuses', () => {
    const target = join(downloads, 'new.txt');
    const canonical = canonicalizeCall(writeCall(target), writeRoles, context);
    if (!canonical.ok) throw new Error('not canonical');
    expect(canonical.call.arguments[pathStatesArgument]).toEqual({ [target]: 'absent' });
    expect(findChangedPathState(canonical.call.arguments)).toBeUndefined();
    writeFileSync(target, 'created meanwhile');
    expect(findChangedPathState(canonical.call.arguments)).toEqual({
      path: target,
      recorded: 'absent',
      now: 'file',
    });
    rmSync(target);
    mkdirSync(target);
    expect(findChangedPathState(canonical.call.arguments)).toMatchObject({ now: 'directory' });
  });

  it('a secret store added to a directory after a delete was decided is a change too', () => {
    const project = join(downloads, 'project');
    mkdirSync(project);
    const moveRoles = new Map([
      ['source', ['read-path', 'delete-path'] as const],
      ['destination', ['write-path'] as const],
    ]);
    const call = {
      serverName: 'filesystem',
      toolName: 'move_file',
      arguments: { source: project, destination: join(sandbox, 'project') },
    };
    const canonical = canonicalizeCall(call, moveRoles, context);
    if (!canonical.ok) throw new Error('not canonical');
    expect(canonical.call.arguments[pathStatesArgument]).toEqual({ [project]: 'directory' });
    writeFileSync(join(project, 'id_rsa'), 'key');
    expect(findChangedPathState(canonical.call.arguments)).toEqual({
      path: project,
      recorded: 'directory',
      now: 'directory-with-secret',
    });
  });
});
