import { posix } from 'node:path';
import { containerToHostPath } from '../canonicalize/container-path.js';
import type { EvaluationContext } from './evaluation-types.js';

/**
 * The absolute host path a path value means for the decision, without touching the filesystem: `~` against the
 * home directory, relative paths against the sandbox (the container's `/workspace` in a container session, which
 * is the same place), `..` applied, and a container's `/workspace/…` mapped to the host sandbox. Canonicalization
 * has already resolved symlinks; this only makes sure an uncanonicalized value cannot pass for something it is
 * not. Undefined when the value cannot be placed (a `~` path without a home, a relative path without a sandbox).
 */
export function normalizeDecisionPath(value: string, context: EvaluationContext): string | undefined {
  let path: string;
  if (value === '~' || value.startsWith('~/')) {
    if (context.homeDir === undefined) return undefined;
    path = posix.join(context.homeDir, value.slice(1));
  } else if (value.startsWith('/')) {
    path = value;
  } else if (context.isContainerSession) {
    path = posix.join(context.containerWorkspace, value);
  } else {
    if (context.sandboxDir === undefined) return undefined;
    path = posix.join(context.sandboxDir, value);
  }
  path = posix.resolve(path);
  if (!context.isContainerSession) return path;
  if (context.sandboxDir === undefined) {
    return path === context.containerWorkspace || path.startsWith(`${context.containerWorkspace}/`)
      ? undefined
      : path;
  }
  return containerToHostPath(path, {
    sandboxDir: context.sandboxDir,
    isContainerSession: true,
    containerWorkspace: context.containerWorkspace,
  });
}
