import { z } from 'zod';
import { unusedOriginalKeys, userConfigSchema } from './user-config-schema.js';

/** The schema node under a key path, looking through optional/nullable wrappers; undefined for an unknown key. */
export function schemaAt(path: readonly string[]): z.ZodType | undefined {
  let node: z.ZodType = userConfigSchema;
  for (const key of path) {
    const inner = unwrap(node);
    if (inner instanceof z.ZodObject) {
      const shape = inner.shape as Record<string, z.ZodType>;
      if (!Object.hasOwn(shape, key)) return undefined;
      node = shape[key] as z.ZodType;
    } else if (inner instanceof z.ZodRecord) {
      node = inner.valueType as z.ZodType;
    } else {
      return undefined;
    }
  }
  return node;
}

/** The keys an object node of the schema knows (empty for a record or a leaf). */
export function knownKeysAt(path: readonly string[]): string[] {
  const node = schemaAt(path);
  const inner = node === undefined ? undefined : unwrap(node);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape as object) : [];
}

/** Every leaf key path of the schema (records count as one leaf), e.g. `resourceBudget.maxSteps`. */
export function leafKeyPaths(node: z.ZodType = userConfigSchema, prefix: readonly string[] = []): string[] {
  const inner = unwrap(node);
  if (!(inner instanceof z.ZodObject)) return [prefix.join('.')];
  return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
    leafKeyPaths(child, [...prefix, key]),
  );
}

function unwrap(node: z.ZodType): z.ZodType {
  let current = node;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

const secretKeyPattern = /apikey$|identitykey$/i;

/** True when the value under this key path is a secret (API keys, server credentials): never printed whole. */
export function isSecretKeyPath(path: readonly string[]): boolean {
  if (path[0] === 'serverCredentials' && path.length >= 2) return true;
  return path.some((key) => secretKeyPattern.test(key));
}

/** A secret shown for recognition only: its first 4 characters and its length. */
export function maskSecret(value: string): string {
  return `${value.slice(0, 4)}… (${value.length} characters, hidden)`;
}

/**
 * Keys of a parsed config.json the schema does not know, as key paths, and the original tool's keys that this
 * version ignores. Neither is an error: a newer or older file must still start IronCurtain.
 */
export function unknownKeysOf(json: unknown): { unknown: string[]; unused: string[] } {
  const unknown: string[] = [];
  const unused: string[] = [];
  const visit = (value: unknown, path: string[]): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    const node = path.length === 0 ? userConfigSchema : schemaAt(path);
    const inner = node === undefined ? undefined : unwrap(node);
    if (!(inner instanceof z.ZodObject)) return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, key];
      if (path.length === 0 && unusedOriginalKeys.has(key)) unused.push(key);
      else if (schemaAt(childPath) === undefined) unknown.push(childPath.join('.'));
      else visit(child, childPath);
    }
  };
  visit(json, []);
  return { unknown, unused };
}
