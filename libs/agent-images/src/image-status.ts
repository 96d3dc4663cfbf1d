import { join } from 'node:path';
import { engineUnreachableError, isEngineUnreachable, type DockerEngine } from '@ironcurtain/docker-engine';
import type { AgentImageOptions } from './agent-folders.js';
import { defineImage, fromImageOf, type ImageDefinition } from './agent-image-tag.js';
import { hasImage, hasImageTagged } from './ensure-agent-image.js';

/** Whether an agent's image can be used now, built on first use, or not at all on this engine. */
export type AgentImageState = 'present' | 'buildable' | 'unbuildable';

/** What {@link imageStatus} found; `reason` says what a build needs or why it cannot run. */
export interface AgentImageStatus {
  tag: string;
  state: AgentImageState;
  reason?: string;
}

// The doctor answers within seconds: a registry that has not answered by then counts as unreachable.
const registryAnswerMs = 5000;
const runStepsNeed =
  "RUN steps download with the host's network (Debian's apt repositories, the npm registry)";

/**
 * Present, buildable or unbuildable, without building anything: looks for the tag, then for what a build would start
 * from (the base image, else the base Dockerfile's FROM image, else whether its registry answers). Rejects with the
 * docker-engine lib's `UNAVAILABLE` error when the engine does not answer, and when the folder has no Dockerfile.
 */
export async function imageStatus(
  engine: DockerEngine,
  folder: string,
  options: AgentImageOptions = {},
): Promise<AgentImageStatus> {
  const definition = await defineImage(folder, options);
  const tag = definition.tag;
  if (await hasImage(engine, definition)) return { tag, state: 'present' };
  const base = definition.base;
  if (base !== undefined && (await hasImage(engine, base))) {
    return { tag, state: 'buildable', reason: `builds on ${base.tag} (present); its ${runStepsNeed}` };
  }
  const baseDefinition = base ?? definition;
  const from = await fromImageOf(join(baseDefinition.path, 'Dockerfile'));
  if (from === undefined) {
    const reason = `${join(baseDefinition.path, 'Dockerfile')} names no FROM image this lib can resolve`;
    return { tag, state: 'unbuildable', reason };
  }
  const fromImage = await describeLocalImage(engine, from);
  if (fromImage !== undefined) {
    return {
      tag,
      state: 'buildable',
      reason: `${buildPlan(base, `${from} (${fromImage})`)}; ${runStepsNeed}`,
    };
  }
  const registryFailure = await checkRegistry(engine, from);
  if (registryFailure === undefined) {
    const reason = `pulls ${from} from its registry (it is not on this engine), ${buildPlan(base, 'it')}; ${runStepsNeed}`;
    return { tag, state: 'buildable', reason };
  }
  const reason =
    `${from} (the base's FROM image) is not on this engine and cannot be pulled (${registryFailure}): ` +
    `load or tag a ${from} image on this engine (docker load, or docker pull where a registry is reachable)`;
  return { tag, state: 'unbuildable', reason };
}

function buildPlan(base: ImageDefinition | undefined, from: string): string {
  return base === undefined
    ? `builds from ${from}`
    : `builds ${base.tag} from ${from}, then this image on it`;
}

// `present` with what it is: the stand-in tests make (docs/AGENT-CONTAINERS.md) is labelled so.
async function describeLocalImage(engine: DockerEngine, image: string): Promise<string | undefined> {
  if (!(await hasImageTagged(engine, image, `the base image ${image}`))) return undefined;
  const details = await engine.client.getImage(image).inspect();
  return details.Config?.Labels?.['ironcurtain.stand-in'] === 'true'
    ? 'present, a local stand-in'
    : 'present';
}

// The engine asks the registry for the image's manifest: reachability and authorisation, without downloading.
async function checkRegistry(engine: DockerEngine, image: string): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${registryAnswerMs / 1000} s`), registryAnswerMs);
  });
  const answer = engine.client
    .getImage(image)
    .distribution()
    .then(
      () => undefined,
      (error: unknown) => {
        if (isEngineUnreachable(error))
          throw engineUnreachableError(engine, `the base image ${image}`, error);
        return registryMessage(error);
      },
    );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function registryMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } }).json;
  return json?.message ?? (error as Error).message;
}
