import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeArgsHash, prepareToolCall, type StoredToolAnnotation } from '../src/index.js';
import { temporaryDirectory } from './helpers.js';

const readFile: StoredToolAnnotation = {
  toolName: 'read_file',
  serverName: 'filesystem',
  comment: 'read',
  args: { path: ['read-path'] },
  inputSchema: {
    type: 'object',
    properties: { path: { type: 'string' } },
    required: ['path'],
    additionalProperties: false,
  },
};

describe('prepareToolCall', () => {
  it('checks the schema, then canonicalizes by role and hashes the canonical arguments', () => {
    const sandbox = temporaryDirectory();
    mkdirSync(join(sandbox, 'docs'));
    symlinkSync(join(sandbox, 'docs'), join(sandbox, 'link'));
    const call = { serverName: 'filesystem', toolName: 'read_file', arguments: { path: 'link/a.md' } };
    const prepared = prepareToolCall(
      call,
      { annotation: readFile },
      { sandboxDir: sandbox, homeDir: sandbox, isContainerSession: false },
    );
    expect(prepared).toMatchObject({
      ok: true,
      call: { arguments: { path: join(sandbox, 'docs', 'a.md') } },
    });
    if (!prepared.ok) throw new Error('not prepared');
    expect(prepared.argsHash).toBe(computeArgsHash({ path: join(sandbox, 'docs', 'a.md') }));
    expect(prepared.steps.map((step) => `${step.id}:${step.outcome}`)).toEqual([
      'argument-schema:matched',
      'canonicalization:matched',
    ]);
  });

  it('refuses unknown keys and wrong types as invalid-arguments, before canonicalizing', () => {
    const context = { sandboxDir: '/tmp', homeDir: '/tmp', isContainerSession: false };
    const extra = prepareToolCall(
      { serverName: 'filesystem', toolName: 'read_file', arguments: { path: 'a', mode: 'x' } },
      { annotation: readFile },
      context,
    );
    expect(extra).toMatchObject({ ok: false, rule: 'invalid-arguments' });
    const wrongType = prepareToolCall(
      { serverName: 'filesystem', toolName: 'read_file', arguments: { path: 7 } },
      { annotation: readFile },
      context,
    );
    expect(wrongType).toMatchObject({ ok: false, rule: 'invalid-arguments' });
  });

  it("prefers the live server's schema over the annotation's", () => {
    const context = { sandboxDir: '/tmp', homeDir: '/tmp', isContainerSession: false };
    const liveSchema = {
      type: 'object',
      properties: { path: { type: 'string' }, mode: { type: 'string' } },
      additionalProperties: false,
    };
    const prepared = prepareToolCall(
      { serverName: 'filesystem', toolName: 'read_file', arguments: { path: 'a', mode: 'x' } },
      { annotation: readFile, inputSchema: liveSchema },
      context,
    );
    expect(prepared.ok).toBe(true);
  });

  it('passes an unannotated tool through unchanged for evaluation to deny', () => {
    const call = { serverName: 'x', toolName: 'y', arguments: { path: '../../etc/passwd' } };
    const prepared = prepareToolCall(
      call,
      {},
      { sandboxDir: '/tmp', homeDir: '/tmp', isContainerSession: false },
    );
    expect(prepared).toMatchObject({ ok: true, call, argsHash: computeArgsHash(call.arguments) });
  });
});
