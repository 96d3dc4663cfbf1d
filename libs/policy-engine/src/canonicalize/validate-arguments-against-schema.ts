import { withoutPathStates } from '../path-states.js';

/** Whether arguments fit a tool's input schema; when not, the call is denied with rule `invalid-arguments`. */
export type ArgumentValidationResult =
  { ok: true } | { ok: false; rule: 'invalid-arguments'; reason: string };

const maximumDepth = 32;

/**
 * Checks arguments against a tool's JSON Schema `inputSchema`, for what matters to the policy: unknown keys (an
 * argument no annotation covers, which the server might still act on) and primitive type mismatches, plus missing
 * required keys. Unknown keys are allowed only where the schema says so: `additionalProperties: true` or a schema,
 * or an object schema that declares no `properties` at all. `anyOf`/`oneOf`/`allOf` are followed; other keywords
 * (formats, enums, ranges) are the server's business. The engine's own `pathStatesArgument` at the top level is
 * not the tool's and is not checked: canonical arguments carry it, and the gateway removes it before the server
 * runs the call (canonicalization refuses a call that brings its own).
 */
export function validateArgumentsAgainstSchema(
  inputSchema: unknown,
  args: unknown,
): ArgumentValidationResult {
  if (!isRecord(inputSchema)) return invalid('the tool has no input schema');
  if (!isRecord(args)) return invalid('arguments must be an object');
  try {
    const problem = check(inputSchema, withoutPathStates(args), 'arguments', 0);
    return problem === undefined ? { ok: true } : invalid(problem);
  } catch {
    return invalid('arguments cannot be checked against the input schema');
  }
}

function check(schema: unknown, value: unknown, path: string, depth: number): string | undefined {
  if (depth > maximumDepth) return `${path}: nested deeper than ${maximumDepth} levels`;
  if (schema === true || schema === undefined) return undefined;
  if (schema === false) return `${path}: not allowed`;
  if (!isRecord(schema)) return undefined;
  const typeProblem = checkType(schema.type, value, path);
  if (typeProblem !== undefined) return typeProblem;
  const combined = checkCombinators(schema, value, path, depth);
  if (combined !== undefined) return combined;
  if (Array.isArray(value)) return checkItems(schema.items, value, path, depth);
  if (isRecord(value)) return checkObject(schema, value, path, depth);
  return undefined;
}

function checkType(type: unknown, value: unknown, path: string): string | undefined {
  const types =
    typeof type === 'string' ? [type] : Array.isArray(type) ? type.filter((t) => typeof t === 'string') : [];
  if (types.length === 0 || types.some((expected) => hasType(value, expected as string))) return undefined;
  return `${path}: expected ${types.join(' or ')}, received ${typeName(value)}`;
}

function checkCombinators(
  schema: Record<string, unknown>,
  value: unknown,
  path: string,
  depth: number,
): string | undefined {
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (!Array.isArray(branches) || branches.length === 0) continue;
    const problems = branches.map((branch) => check(branch, value, path, depth + 1));
    if (!problems.some((problem) => problem === undefined)) return problems[0];
  }
  const all = schema.allOf;
  if (!Array.isArray(all)) return undefined;
  for (const branch of all) {
    const problem = check(branch, value, path, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkItems(
  items: unknown,
  value: readonly unknown[],
  path: string,
  depth: number,
): string | undefined {
  if (!isRecord(items) && typeof items !== 'boolean') return undefined;
  for (let index = 0; index < value.length; index += 1) {
    const problem = check(items, value[index], `${path}[${index}]`, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkObject(
  schema: Record<string, unknown>,
  value: Record<string, unknown>,
  path: string,
  depth: number,
): string | undefined {
  const properties = isRecord(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  const required = Array.isArray(schema.required) ? schema.required : [];
  const missing = required.find((key) => typeof key === 'string' && !Object.hasOwn(value, key));
  if (missing !== undefined) return `${path}: missing required "${String(missing)}"`;
  for (const key of Object.keys(value)) {
    const childPath = `${path}.${key}`;
    if (properties !== undefined && Object.hasOwn(properties, key)) {
      const problem = check(properties[key], value[key], childPath, depth + 1);
      if (problem !== undefined) return problem;
      continue;
    }
    if (isRecord(additional)) {
      const problem = check(additional, value[key], childPath, depth + 1);
      if (problem !== undefined) return problem;
      continue;
    }
    const isOpen = additional === true || (additional === undefined && properties === undefined);
    if (!isOpen)
      return `${path}: unknown key ${JSON.stringify(key.length > 100 ? `${key.slice(0, 100)}…` : key)}`;
  }
  return undefined;
}

function hasType(value: unknown, expected: string): boolean {
  switch (expected) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isRecord(value);
    case 'null':
      return value === null;
    default:
      return typeof value === expected;
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(reason: string): ArgumentValidationResult {
  return { ok: false, rule: 'invalid-arguments', reason };
}
