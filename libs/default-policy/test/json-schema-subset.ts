import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

/** The JSON Schema keywords the shipped tool schemas use; anything else in a schema is ignored. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  pattern?: string;
}

/**
 * Problems of `value` against `schema`, as `arguments.path: expected string` lines. Stricter than JSON Schema on
 * one point: a key the schema does not declare is a problem even when `additionalProperties` is left open, because
 * a scenario should only use arguments the tool documents.
 */
export function schemaProblems(schema: JsonSchema, value: unknown, at = 'arguments'): string[] {
  if (schema.anyOf !== undefined) {
    const branches = schema.anyOf.map((branch) => schemaProblems(branch, value, at));
    return branches.some((problems) => problems.length === 0)
      ? []
      : [`${at}: matches no anyOf branch (${branches.flat().join('; ')})`];
  }
  if (schema.type !== undefined && !typeMatches(schema.type, value)) {
    return [`${at}: expected ${schema.type}, got ${typeOf(value)}`];
  }
  const problems: string[] = [];
  if (schema.enum !== undefined && !schema.enum.some((option) => isDeepStrictEqual(option, value))) {
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === 'string') problems.push(...stringProblems(schema, value, at));
  if (typeof value === 'number') problems.push(...numberProblems(schema, value, at));
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      problems.push(`${at}: fewer than ${schema.minItems} items`);
    const items = schema.items;
    if (items !== undefined)
      value.forEach((item, index) => problems.push(...schemaProblems(items, item, `${at}[${index}]`)));
  }
  if (typeOf(value) === 'object')
    problems.push(...objectProblems(schema, value as Record<string, unknown>, at));
  return problems;
}

/** JSON with object keys sorted and no whitespace, as the policy engine hashes it. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const entries = Object.keys(record)
    .sort()
    .filter((key) => record[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${entries.join(',')}}`;
}

/** Lowercase hex sha256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: string, value: unknown): boolean {
  const actual = typeOf(value);
  return expected === actual || (expected === 'number' && actual === 'integer');
}

function stringProblems(schema: JsonSchema, value: string, at: string): string[] {
  const length = [...value].length;
  const problems: string[] = [];
  if (schema.minLength !== undefined && length < schema.minLength)
    problems.push(`${at}: shorter than ${schema.minLength}`);
  if (schema.maxLength !== undefined && length > schema.maxLength)
    problems.push(`${at}: longer than ${schema.maxLength}`);
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value))
    problems.push(`${at}: does not match ${schema.pattern}`);
  return problems;
}

function numberProblems(schema: JsonSchema, value: number, at: string): string[] {
  const problems: string[] = [];
  if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: below ${schema.minimum}`);
  if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: above ${schema.maximum}`);
  return problems;
}

function objectProblems(schema: JsonSchema, value: Record<string, unknown>, at: string): string[] {
  const properties = schema.properties ?? {};
  const problems: string[] = [];
  for (const key of schema.required ?? [])
    if (!Object.hasOwn(value, key)) problems.push(`${at}: missing required "${key}"`);
  for (const [key, item] of Object.entries(value)) {
    const declared = Object.hasOwn(properties, key) ? properties[key] : undefined;
    const additional =
      typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    const itemSchema = declared ?? additional;
    if (itemSchema === undefined) problems.push(`${at}: unknown key "${key}"`);
    else problems.push(...schemaProblems(itemSchema, item, `${at}.${key}`));
  }
  return problems;
}
