import { AppError, ErrorCode } from '@ironcurtain/errors';
import { isSecretKeyPath, knownKeysAt, maskSecret, schemaAt } from './config-shape.js';
import { validateUserConfig } from './user-config-file.js';

/** `resourceBudget.maxSteps` → `['resourceBudget', 'maxSteps']`, refusing a key the schema does not know. */
export function parseKeyPath(key: string): string[] {
  const path = key.split('.');
  if (
    path.some((part) => part === '' || part === '__proto__' || part === 'constructor' || part === 'prototype')
  ) {
    throw new AppError(ErrorCode.ConfigInvalid, `${JSON.stringify(key)} is not a config key`);
  }
  if (schemaAt(path) === undefined) {
    const parent = path.slice(0, -1);
    const known = knownKeysAt(parent);
    const where = parent.length === 0 ? '' : ` under ${parent.join('.')}`;
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `unknown config key ${key}` + (known.length === 0 ? '' : `; the keys${where} are: ${known.join(', ')}`),
    );
  }
  return path;
}

/**
 * The text of a value as a person types it: JSON when it parses (`50`, `true`, `null`, `{"enabled":true}`),
 * else the text itself (`anthropic:claude-opus-4-5`).
 */
export function parseValueText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A copy of the config object with `value` at `key`, validated as a whole: a value the schema refuses is a
 * `CONFIG_INVALID` error naming the key and what it must be, and nothing is changed.
 */
export function withConfigValue(
  raw: Record<string, unknown>,
  key: string,
  value: unknown,
  path = 'config.json',
): Record<string, unknown> {
  const keyPath = parseKeyPath(key);
  const copy = structuredClone(raw);
  let node: Record<string, unknown> = copy;
  for (const part of keyPath.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[keyPath[keyPath.length - 1] as string] = value;
  validateUserConfig(copy, path);
  return copy;
}

/** A copy of the config object without `key` (its default applies again); empty parent objects are removed. */
export function withoutConfigValue(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const keyPath = parseKeyPath(key);
  const copy = structuredClone(raw);
  const parents: Record<string, unknown>[] = [copy];
  for (const part of keyPath.slice(0, -1)) {
    const next = parents[parents.length - 1]?.[part];
    if (typeof next !== 'object' || next === null) return copy;
    parents.push(next as Record<string, unknown>);
  }
  for (let depth = keyPath.length - 1; depth >= 0; depth -= 1) {
    const parent = parents[depth] as Record<string, unknown>;
    const part = keyPath[depth] as string;
    if (depth === keyPath.length - 1) delete parent[part];
    else if (Object.keys(parent[part] as object).length === 0) delete parent[part];
  }
  return copy;
}

/** The value at `key` of an object (raw or resolved config), undefined when unset. */
export function configValueAt(config: unknown, key: string): unknown {
  let current = config;
  for (const part of parseKeyPath(key)) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A value for printing: secrets masked (recursively under a secret key), everything else as JSON. */
export function displayConfigValue(key: string, value: unknown): string {
  const keyPath = key.split('.');
  return JSON.stringify(masked(keyPath, value)) ?? '(not set)';
}

function masked(keyPath: readonly string[], value: unknown): unknown {
  if (typeof value === 'string') return isSecretKeyPath(keyPath) ? maskSecret(value) : value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [key, masked([...keyPath, key], child)]),
  );
}
