// A real Docker engine for the container tests, and a test image made without pulling anything: `docker import` of a
// tarball holding this Node binary, the shared libraries it links against, and test/fixtures/container-mcp-server.mjs.
// Without an engine the tests fail under CI=true (scripts/setup starts one) and are skipped elsewhere, saying why.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { checkEngine, createDockerEngine, type DockerEngine } from '@ironcurtain/docker-engine';
import { containerLabels } from '../src/domain/containers/container-options.js';

const run = promisify(execFile);
const serverScript = join(import.meta.dirname, 'fixtures', 'container-mcp-server.mjs');
const imageRepository = 'ironcurtain-test/container-mcp-server';
// Bump when stageRootfs changes, so a cached image of the old layout is not reused.
const imageLayoutVersion = '2';

/** The engine of DOCKER_HOST (or the default socket), or why it cannot be used. */
export async function dockerForTests(): Promise<{ engine: DockerEngine; unavailableReason?: string }> {
  const engine = createDockerEngine(process.env['DOCKER_HOST']);
  const reason = await checkEngine(engine, 'test');
  if (reason === undefined) return { engine };
  if (process.env['CI'] === 'true') {
    throw new Error(`the container tests need a Docker engine (CI=true): ${reason}`);
  }
  return { engine, unavailableReason: reason };
}

/** Builds (once per content) the image of the test server; its entrypoint is `node server.mjs`, like an MCP image. */
export async function testServerImage(engine: DockerEngine): Promise<string> {
  const script = await readFile(serverScript);
  const hash = createHash('sha256')
    .update(script)
    .update(process.version)
    .update(imageLayoutVersion)
    .digest('hex')
    .slice(0, 12);
  const tag = `${imageRepository}:${hash}`;
  const exists = await engine.client
    .getImage(tag)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (exists) return tag;
  const staging = await mkdtemp(join(tmpdir(), 'mcpgw-image-'));
  try {
    await stageRootfs(staging);
    const tarball = join(staging, '..', `${hash}.tar`);
    await run('tar', ['-C', join(staging, 'rootfs'), '-cf', tarball, '.']);
    const progress = await engine.client.importImage(tarball, {
      repo: imageRepository,
      tag: hash,
      changes: ['ENTRYPOINT ["/node", "/server.mjs"]'],
    });
    await new Promise<void>((resolve, reject) =>
      engine.client.modem.followProgress(progress, (error: Error | null) =>
        error ? reject(error) : resolve(),
      ),
    );
    await rm(tarball, { force: true });
    await removeStaleImages(engine, tag);
    return tag;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

// Images of an older script or Node are of no more use.
async function removeStaleImages(engine: DockerEngine, current: string): Promise<void> {
  const images = await engine.client.listImages({ filters: { reference: [`${imageRepository}:*`] } });
  for (const image of images) {
    if (image.RepoTags?.includes(current) === true) continue;
    await engine.client
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

// The root file system: /node, /server.mjs, /tmp, and every library `ldd` names at the path it names.
async function stageRootfs(staging: string): Promise<void> {
  const rootfs = join(staging, 'rootfs');
  // Docker copies the image's /tmp mode onto the tmpfs mounted there: make it the usual sticky, world-writable one.
  await mkdir(join(rootfs, 'tmp'), { recursive: true });
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await copyFile(process.execPath, join(rootfs, 'node'));
  await copyFile(serverScript, join(rootfs, 'server.mjs'));
  const { stdout } = await run('ldd', [process.execPath]);
  const libraries = [...stdout.matchAll(/(\/\S+\.so[.\d]*)\s+\(0x/g)].map((match) => match[1] as string);
  for (const library of libraries) {
    await mkdir(join(rootfs, dirname(library)), { recursive: true });
    await copyFile(library, join(rootfs, library));
  }
}

/** The containers of one server (and session, when given), running or not. */
export async function containersOf(engine: DockerEngine, serverName: string, sessionId?: string) {
  const labels = [`${containerLabels.server}=${serverName}`];
  if (sessionId !== undefined) labels.push(`${containerLabels.session}=${sessionId}`);
  return engine.client.listContainers({ all: true, filters: { label: labels } });
}

/** Removes every container a test left behind for `serverName`. */
export async function removeContainersOf(engine: DockerEngine, serverName: string): Promise<void> {
  for (const info of await containersOf(engine, serverName)) {
    await engine.client
      .getContainer(info.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}
