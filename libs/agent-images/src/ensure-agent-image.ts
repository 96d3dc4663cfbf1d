import { engineUnreachableError, isEngineUnreachable, type DockerEngine } from '@ironcurtain/docker-engine';
import type { AgentImageOptions } from './agent-folders.js';
import { defineImage, type ImageDefinition } from './agent-image-tag.js';
import { buildImage, type BuildProgress } from './build-image.js';

/** Options of {@link ensureAgentImage}. */
export interface EnsureAgentImageOptions extends AgentImageOptions {
  /** Each line of build output, when a build runs (nothing is reported when the image is already there). */
  onProgress?: BuildProgress;
}

interface RunningBuild {
  done: Promise<void>;
  listeners: Set<BuildProgress>;
}

// Builds under way in this process, by engine endpoint and tag: a second caller for the same tag (two sessions of a
// new agent starting together) waits for the first build and sees its progress instead of starting another.
const runningBuilds = new Map<string, RunningBuild>();

/**
 * The tag of the folder's image, built first when the engine does not have it: the base image when missing, then
 * the agent image on it. Unchanged content never rebuilds (the tag is a content hash). Rejects with the
 * docker-engine lib's `UNAVAILABLE` error when the engine does not answer, and with `IMAGE_BUILD_FAILED` (the
 * failing step and its output) when a build fails.
 */
export async function ensureAgentImage(
  engine: DockerEngine,
  folder: string,
  options: EnsureAgentImageOptions = {},
): Promise<string> {
  const definition = await defineImage(folder, options);
  await ensureBuilt(engine, definition, options.onProgress);
  return definition.tag;
}

async function ensureBuilt(
  engine: DockerEngine,
  definition: ImageDefinition,
  onProgress: BuildProgress | undefined,
): Promise<void> {
  if (await hasImage(engine, definition)) return;
  const key = `${engine.endpoint} ${definition.tag}`;
  let running = runningBuilds.get(key);
  if (running === undefined) {
    const listeners = new Set<BuildProgress>();
    const report: BuildProgress = (line) => listeners.forEach((listener) => listener(line));
    const done = (async () => {
      if (definition.base !== undefined) await ensureBuilt(engine, definition.base, report);
      await buildImage(engine, definition, report);
    })().finally(() => runningBuilds.delete(key));
    running = { done, listeners };
    runningBuilds.set(key, running);
  }
  if (onProgress !== undefined) running.listeners.add(onProgress);
  try {
    await running.done;
  } finally {
    if (onProgress !== undefined) running.listeners.delete(onProgress);
  }
}

/** Whether the engine has the definition's tag; an engine that does not answer is the docker-engine lib's error. */
export async function hasImage(
  engine: DockerEngine,
  definition: Pick<ImageDefinition, 'tag' | 'folder'>,
): Promise<boolean> {
  return hasImageTagged(engine, definition.tag, `agent image ${definition.folder}`);
}

/** Whether the engine has an image under `tag` (any image, not only agent images). */
export async function hasImageTagged(engine: DockerEngine, tag: string, what: string): Promise<boolean> {
  try {
    await engine.client.getImage(tag).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    if (isEngineUnreachable(error)) throw engineUnreachableError(engine, what, error);
    throw error;
  }
}
