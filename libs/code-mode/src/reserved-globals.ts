import ivm from 'isolated-vm';
import { bridgeGlobalNames } from './tool-catalog.js';

let cached: ReadonlySet<string> | undefined;

/**
 * The names a server namespace may not take: every global of a bare V8 context (asked of V8 itself, once per
 * process, so a newer engine's globals are covered) and the runner's own globals.
 */
export function reservedGlobalNames(): ReadonlySet<string> {
  if (cached !== undefined) return cached;
  const isolate = new ivm.Isolate({ memoryLimit: 8 });
  try {
    const context = isolate.createContextSync();
    const names = JSON.parse(
      context.evalSync('JSON.stringify(Object.getOwnPropertyNames(globalThis))') as string,
    ) as string[];
    cached = new Set([...names, ...bridgeGlobalNames, 'globalThis']);
    return cached;
  } finally {
    isolate.dispose();
  }
}
