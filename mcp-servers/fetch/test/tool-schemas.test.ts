import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  httpFetchInput,
  httpFetchInputJsonSchema,
  webSearchInput,
  webSearchInputJsonSchema,
} from '../src/tool-schemas.js';

// zod's JSON Schema for a record adds `propertyNames: {type: string}`, which JSON object keys are anyway.
function withoutPropertyNames(schema: unknown): unknown {
  return JSON.parse(
    JSON.stringify(schema, (key, value: unknown) => (key === 'propertyNames' ? undefined : value)),
  );
}

describe('tool schemas', () => {
  it('validate with zod exactly what the advertised JSON Schemas describe', () => {
    expect(withoutPropertyNames(z.toJSONSchema(httpFetchInput, { io: 'input' }))).toEqual(
      httpFetchInputJsonSchema,
    );
    expect(withoutPropertyNames(z.toJSONSchema(webSearchInput, { io: 'input' }))).toEqual(
      webSearchInputJsonSchema,
    );
  });

  it('apply the advertised defaults', () => {
    expect(httpFetchInput.parse({ url: 'https://example.test/' })).toEqual({
      url: 'https://example.test/',
      max_length: 5000,
      format: 'markdown',
      timeout: 30,
    });
    expect(webSearchInput.parse({ query: 'q' })).toEqual({ query: 'q', max_results: 5 });
  });

  it('refuse what the JSON Schemas refuse', () => {
    expect(httpFetchInput.safeParse({ url: 'x', max_length: 1.5 }).success).toBe(false);
    expect(httpFetchInput.safeParse({ url: 'x', headers: { a: 1 } }).success).toBe(false);
    expect(httpFetchInput.safeParse({ url: 'x', timeout: 0.5 }).success).toBe(false);
    expect(webSearchInput.safeParse({ query: 'q', max_results: 21 }).success).toBe(false);
    expect(webSearchInput.safeParse({ query: 'q', page: 2 }).success).toBe(false);
  });
});
