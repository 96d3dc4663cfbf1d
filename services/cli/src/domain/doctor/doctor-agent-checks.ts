import {
  agentsDirectory,
  agentsDirectoryVariable,
  imageStatus,
  listAgentImageFolders,
  type AgentImageStatus,
} from '@ironcurtain/agent-images';
import { checkEngine, createDockerEngine, type DockerEngine } from '@ironcurtain/docker-engine';
import { ok, warning, type CheckResult } from './doctor-result.js';

const handBuild = 'build by hand as deploy/agents/README.md shows';

/**
 * One line per agent image folder (deploy/agents/<agent>, or IRONCURTAIN_AGENTS_DIR): present, can be built on first
 * use (and what that needs), or cannot be built and why. Never a problem: only agents in containers need Docker, so a
 * missing engine or image is a warning and the builtin agent still runs.
 */
export async function checkAgentImages(env: Record<string, string | undefined>): Promise<CheckResult[]> {
  const directory = agentsDirectory(env);
  let folders: string[];
  try {
    folders = await listAgentImageFolders({ agentsDirectory: directory });
  } catch (error) {
    return [warning('agent-images', (error as Error).message, `set ${agentsDirectoryVariable} or unset it`)];
  }
  const engine = createDockerEngine(env['DOCKER_HOST']);
  // One bounded ping first: an engine that hangs must not hold the doctor for every folder.
  const unreachable = await checkEngine(engine, 'an external agent');
  return Promise.all(
    folders.map((folder) =>
      unreachable === undefined
        ? checkAgentImage(engine, folder, directory)
        : warning(
            `agent-image:${folder}`,
            `agent image ${folder}: cannot be built: ${unreachable}`,
            'start the Docker engine (./scripts/setup) or set DOCKER_HOST; only agents in containers need it',
          ),
    ),
  );
}

async function checkAgentImage(
  engine: DockerEngine,
  folder: string,
  directory: string,
): Promise<CheckResult> {
  const check = `agent-image:${folder}`;
  let status: AgentImageStatus;
  try {
    status = await imageStatus(engine, folder, { agentsDirectory: directory });
  } catch (error) {
    return warning(check, `agent image ${folder}: cannot be built: ${(error as Error).message}`, handBuild);
  }
  switch (status.state) {
    case 'present':
      return ok(check, `agent image ${folder}: present (${status.tag})`);
    case 'buildable':
      return ok(check, `agent image ${folder}: can be built (${status.reason ?? status.tag})`);
    case 'unbuildable':
      return warning(
        check,
        `agent image ${folder}: cannot be built: ${status.reason ?? 'unknown reason'}`,
        handBuild,
      );
  }
}
