// The real Docker engine, the shipped agent images built against a local node:24-bookworm-slim stand-in (no registry
// is reachable here), and containers run the way docs/AGENT-CONTAINERS.md runs a session's. Without an engine the
// tests fail under CI=true (scripts/setup starts one) and are skipped elsewhere, saying why.
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { agentImageLabels, agentsDirectory, ensureAgentImage } from '@ironcurtain/agent-images';
import { checkEngine, createDockerEngine, type DockerEngine } from '@ironcurtain/docker-engine';
import { ensureStandInNodeImage, withFileLock } from '@ironcurtain/testing';

/** The engine of DOCKER_HOST (or the default socket), or why it cannot be used. */
export async function dockerForTests(): Promise<{ engine: DockerEngine; unavailableReason?: string }> {
  const engine = createDockerEngine(process.env['DOCKER_HOST']);
  const reason = await checkEngine(engine, 'test');
  if (reason === undefined) return { engine };
  if (process.env['CI'] === 'true') {
    throw new Error(`the agent image tests need a Docker engine (CI=true): ${reason}`);
  }
  return { engine, unavailableReason: reason };
}

// Test files run in parallel workers: one builds the shipped images while the others wait, then find them.
const shippedImagesLock = join(tmpdir(), 'ironcurtain-agent-images-test.lock');

/** The stand-in, then the shipped base and claude-code images (built once per content), with how long each took. */
export async function shippedImages(engine: DockerEngine) {
  return withFileLock(shippedImagesLock, 30 * 60_000, async () => {
    const standIn = await ensureStandInNodeImage(engine);
    const timed = async (folder: string) => {
      const started = performance.now();
      let isBuilt = false;
      const tag = await ensureAgentImage(engine, folder, { onProgress: () => (isBuilt = true) });
      const durationMs = Math.round(performance.now() - started);
      process.stderr.write(
        `agent image ${folder}: ${isBuilt ? 'built' : 'found'} ${tag} in ${durationMs} ms\n`,
      );
      return { tag, isBuilt, durationMs };
    };
    const base = await timed('base');
    const claudeCode = await timed('claude-code');
    return { standIn, base, claudeCode };
  });
}

/** A copy of the repository's deploy/agents in a new temporary folder, to change without touching the real one. */
export async function copyOfAgentsFolder(): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), 'agent-images-'));
  await cp(agentsDirectory(), copy, { recursive: true });
  return copy;
}

/** How a test container runs: the session container's hardening, plus what the test mounts and runs. */
export interface ContainerRun {
  command: string[];
  /** `host:container[:ro]` binds. */
  binds?: string[];
  user?: string;
}

/**
 * Runs one command in a container like a session's (docs/AGENT-CONTAINERS.md): no network, all capabilities dropped,
 * no-new-privileges, read-only root, tmpfs /tmp and /home/agent owned by the user; removes it afterwards.
 */
export async function runInContainer(
  engine: DockerEngine,
  image: string,
  run: ContainerRun,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const user = run.user ?? '4321:4321';
  const [uid, gid] = user.split(':');
  const container = await engine.client.createContainer({
    Image: image,
    Cmd: run.command,
    User: user,
    Labels: { 'ironcurtain.test': 'agent-images' },
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Tmpfs: {
        '/tmp': 'rw,nosuid,nodev,mode=1777',
        '/home/agent': `rw,nosuid,nodev,uid=${uid},gid=${gid},mode=0700`,
      },
      Binds: run.binds ?? [],
    },
  });
  try {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    stdout.on('data', (chunk: Buffer) => chunks.stdout.push(chunk));
    stderr.on('data', (chunk: Buffer) => chunks.stderr.push(chunk));
    const attached = await container.attach({ stream: true, stdout: true, stderr: true });
    // The attach stream may deliver its last bytes after the exit is reported: wait for its end too.
    const isDrained = new Promise((resolve) => attached.on('end', resolve));
    container.modem.demuxStream(attached, stdout, stderr);
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await isDrained;
    return {
      exitCode: StatusCode,
      stdout: Buffer.concat(chunks.stdout).toString('utf8'),
      stderr: Buffer.concat(chunks.stderr).toString('utf8'),
    };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * Removes images a test built under throw-away tags, and any untagged image of the same content hash (a build that
 * ran twice leaves one). Content-hash images of the shipped folders are not passed here: they stay cached.
 */
export async function removeImages(engine: DockerEngine, tags: readonly string[]): Promise<void> {
  for (const tag of tags) {
    const hash = tag.split(':')[1] ?? '';
    const sameContent = await engine.client.listImages({
      filters: { label: [`${agentImageLabels.contentHash}=${hash}`, `${agentImageLabels.image}=agent`] },
    });
    for (const reference of [tag, ...sameContent.map((image) => image.Id)]) {
      await engine.client
        .getImage(reference)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
}
