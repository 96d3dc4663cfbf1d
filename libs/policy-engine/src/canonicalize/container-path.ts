import { posix } from 'node:path';
import { isWithin } from '../path-within.js';

/** Where a session's sandbox appears inside an agent container. */
export const defaultContainerWorkspace = '/workspace';

/** What the container ↔ host mapping needs to know about the session. */
export interface ContainerMapping {
  /** The sandbox directory on the host (absolute). */
  sandboxDir: string;
  /** Only container sessions map `/workspace`; on the host it is an ordinary path. */
  isContainerSession: boolean;
  /** The sandbox as the container sees it; `/workspace` unless configured otherwise. */
  containerWorkspace?: string;
}

/**
 * The host path for a path the agent wrote in its container view: `/workspace/a` → `<sandbox>/a`. `..` is applied
 * in the container's view first, so `/workspace/../etc` is `/etc`, not a sibling of the sandbox. Paths outside the
 * workspace, and every path of a host session, come back unchanged.
 */
export function containerToHostPath(path: string, mapping: ContainerMapping): string {
  if (!mapping.isContainerSession || !path.startsWith('/')) return path;
  const workspace = mapping.containerWorkspace ?? defaultContainerWorkspace;
  const normalized = posix.normalize(path);
  if (!isWithin(normalized, workspace)) return path;
  return posix.join(mapping.sandboxDir, normalized.slice(workspace.length));
}

/** The container view of a host path inside the sandbox (for messages to the agent); others come back unchanged. */
export function hostToContainerPath(path: string, mapping: ContainerMapping): string {
  if (!mapping.isContainerSession || !isWithin(path, mapping.sandboxDir)) return path;
  const workspace = mapping.containerWorkspace ?? defaultContainerWorkspace;
  return posix.join(workspace, path.slice(mapping.sandboxDir.length));
}
