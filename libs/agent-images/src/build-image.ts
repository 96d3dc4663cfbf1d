import { join } from 'node:path';
import { engineUnreachableError, isEngineUnreachable, type DockerEngine } from '@ironcurtain/docker-engine';
import { AppError } from '@ironcurtain/errors';
import type { ImageDefinition } from './agent-image-tag.js';

/** Error codes of this lib, beside @ironcurtain/errors' (an unreachable engine is `UNAVAILABLE`). */
export const AgentImageErrorCode = {
  /** `docker build` of an agent image folder failed: a RUN step, a missing FROM image, a bad Dockerfile. */
  BuildFailed: 'IMAGE_BUILD_FAILED',
} as const;

/** The labels every agent image carries, so operators and cleanup find them. */
export const agentImageLabels = {
  image: 'ironcurtain.image',
  agent: 'ironcurtain.agent',
  contentHash: 'ironcurtain.content-hash',
} as const;

/** One line of build output (`Step 3/7 : RUN …`, a RUN step's own output). */
export type BuildProgress = (line: string) => void;

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const terminalEscapes = /\u001b\[[0-9;?]*[A-Za-z]/g;

// Enough of the failing step's output to see why without scrolling through a whole npm log.
const outputTailLines = 25;

/**
 * Builds one image folder through the engine (the classic builder; BuildKit is not needed): the folder's files as
 * the context, the host's network for the RUN steps (the container never has one), `BASE_IMAGE` for an agent, and
 * the agent labels. Rejects with `IMAGE_BUILD_FAILED` naming the step and its output's tail.
 */
export async function buildImage(
  engine: DockerEngine,
  definition: ImageDefinition,
  onProgress: BuildProgress,
): Promise<void> {
  const what = `agent image ${definition.folder}`;
  let stream: NodeJS.ReadableStream;
  try {
    stream = await engine.client.buildImage(
      { context: definition.path, src: definition.files },
      {
        t: definition.tag,
        networkmode: 'host',
        buildargs: definition.base === undefined ? {} : { BASE_IMAGE: definition.base.tag },
        labels: {
          [agentImageLabels.image]: 'agent',
          [agentImageLabels.agent]: definition.folder,
          [agentImageLabels.contentHash]: definition.hash,
        },
        // Intermediate containers go even when a step fails: a failed build leaves nothing running or stopped.
        rm: true,
        forcerm: true,
      },
    );
  } catch (error) {
    if (isEngineUnreachable(error)) throw engineUnreachableError(engine, what, error);
    throw buildFailed(definition, `the engine refused the build: ${(error as Error).message}`, [], error);
  }
  await followBuild(engine, definition, stream, onProgress);
}

async function followBuild(
  engine: DockerEngine,
  definition: ImageDefinition,
  stream: NodeJS.ReadableStream,
  onProgress: BuildProgress,
): Promise<void> {
  const output: string[] = [];
  let step = 'before the first step';
  let failure: string | undefined;
  const onEvent = (event: BuildEvent): void => {
    if (event.error !== undefined || event.errorDetail !== undefined) {
      const message = event.errorDetail?.message ?? event.error ?? 'unknown error';
      // The builder repeats the whole RUN command, which the step line already shows.
      failure = message.replace(/^The command '[\s\S]*' returned a non-zero code: (\d+)$/, 'exit code $1');
      return;
    }
    for (const rawLine of (event.stream ?? event.status ?? '').split('\n')) {
      // RUN output keeps its terminal colours (npm's red errors): they would garble an error message.
      const line = rawLine.replace(terminalEscapes, '').trimEnd();
      if (line.trim() === '') continue;
      // The classic builder announces each instruction so: the output after it is that step's.
      if (/^Step \d+\/\d+ : /.test(line)) {
        step = line;
        output.length = 0;
      }
      output.push(line);
      onProgress(line);
    }
  };
  try {
    await new Promise<void>((resolve, reject) =>
      engine.client.modem.followProgress(
        stream,
        (error: Error | null) => (error ? reject(error) : resolve()),
        onEvent,
      ),
    );
  } catch (error) {
    if (isEngineUnreachable(error))
      throw engineUnreachableError(engine, `agent image ${definition.folder}`, error);
    throw buildFailed(definition, `the build stream broke: ${(error as Error).message}`, output, error);
  }
  if (failure !== undefined) throw buildFailed(definition, `${step}\nfailed: ${failure}`, output.slice(1));
}

function buildFailed(
  definition: ImageDefinition,
  reason: string,
  output: readonly string[],
  cause?: unknown,
): AppError {
  const dockerfile = join(definition.path, 'Dockerfile');
  const tail = output.slice(-outputTailLines).map((line) => `  | ${line}`);
  const fix =
    "fix the Dockerfile, or the network the build needs (RUN steps use the host's network); to see everything, " +
    `build by hand: docker build --network host${definition.base === undefined ? '' : ` --build-arg BASE_IMAGE=${definition.base.tag}`} -t ${definition.tag} ${definition.path}`;
  return new AppError(
    AgentImageErrorCode.BuildFailed,
    [`building ${definition.tag} from ${dockerfile}: ${reason}`, ...tail, fix].join('\n'),
    { cause },
  );
}
