import { describe, expect, it } from 'vitest';
import { schemaType } from '@ironcurtain/code-mode';
import { closestNames, editDistance } from '../src/closest-names.js';

describe('schemaType', () => {
  it('writes the shapes MCP tool schemas use', () => {
    const schema = {
      type: 'object',
      properties: {
        path: { type: 'string' },
        mode: { enum: ['read', 'write'] },
        count: { type: 'integer' },
        flags: { type: 'array', items: { type: ['string', 'number'] } },
        pairs: { type: 'array', items: [{ type: 'string' }, { type: 'boolean' }] },
        meta: { type: 'object', additionalProperties: { type: 'string' } },
        open: { type: 'object' },
        empty: { type: 'object', additionalProperties: false },
        choice: { anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'null' }] },
        both: { allOf: [{ $ref: '#/$defs/Base' }, { type: 'object', properties: { b: { const: 1 } } }] },
        'odd-key': { type: 'boolean' },
        anything: {},
      },
      required: ['path', 'mode'],
    };
    expect(schemaType(schema)).toBe(
      '{ path: string; mode: "read" | "write"; count?: number; flags?: (string | number)[]; ' +
        'pairs?: [string, boolean]; meta?: { [key: string]: string }; open?: Record<string, unknown>; ' +
        'empty?: {}; choice?: { a?: string } | null; both?: Base & { b?: 1 }; "odd-key"?: boolean; anything?: unknown }',
    );
  });

  it('writes one property per line with doc comments when multiline', () => {
    const schema = {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'Where\nto look' },
        depth: { type: 'number', default: 2 },
        nested: { type: 'object', properties: { on: { type: 'boolean', description: 'Switch' } } },
      },
      required: ['path'],
    };
    expect(schemaType(schema, { multiline: true })).toBe(
      [
        '{',
        '  /**',
        '   * Where',
        '   * to look',
        '   */',
        '  path: string;',
        '  /** default: 2 */',
        '  depth?: number;',
        '  nested?: {',
        '    /** Switch */',
        '    on?: boolean;',
        '  };',
        '}',
      ].join('\n'),
    );
  });

  it('stops at a depth limit and reads unknown input as unknown', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 20; level += 1) deep = { type: 'array', items: deep };
    expect(schemaType(deep)).toMatch(/^unknown(\[\])+$/);
    expect(schemaType(null)).toBe('unknown');
    expect(schemaType(false)).toBe('never');
  });
});

describe('closestNames', () => {
  it('ranks by edit distance and drops names too far to be a typo', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('READ', 'read')).toBe(0);
    expect(closestNames('raed_file', ['read_file', 'write_file', 'git_status'])).toEqual([
      'read_file',
      'write_file',
    ]);
    expect(closestNames('xyz', ['read_file', 'git_status'])).toEqual([]);
  });
});
