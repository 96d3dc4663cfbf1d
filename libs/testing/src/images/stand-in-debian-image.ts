// No container registry is reachable on the development machines, so public base images cannot be pulled. A
// stand-in is a local image under the public name (labelled ironcurtain.stand-in=true), made from a Debian bookworm
// root file system (debootstrap, with the packages it needs) and `docker import`, so the shipped Dockerfiles and
// docker-compose.yml run unchanged. This module holds what every stand-in shares; stand-in-<name>-image.ts say what
// goes into each.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { DockerEngine } from '@ironcurtain/docker-engine';
import { readDebianMirror } from './debian-mirror.js';
import { withFileLock } from '../file-lock.js';

const run = promisify(execFile);

/** The label every stand-in carries, so that it can be told from the real image (`docker images -f label=…`). */
export const standInLabel = 'ironcurtain.stand-in';
const recipeLabel = 'ironcurtain.stand-in.recipe';
const lockWaitMs = 15 * 60_000;

/** A file the recipe writes into the root file system. */
export interface StandInFile {
  /** Absolute path inside the image. */
  path: string;
  content: string;
  mode: number;
}

/** What goes into a Debian stand-in. Everything in it is hashed into a label: a changed recipe makes the image again. */
export interface DebianStandInRecipe {
  /** The public name the shipped files use, e.g. `nats:2.10-alpine`. */
  tag: string;
  /** Debian packages besides the minimal base (debootstrap `--include`). */
  packages: readonly string[];
  files: readonly StandInFile[];
  /** Commands run inside the root file system (chroot) after the files are written, as argument arrays. */
  commands: readonly (readonly string[])[];
  /** Paths removed from the root file system last (caches, what the packages' own set-up left behind). */
  removePaths: readonly string[];
  /** Dockerfile instructions the image gets on import: ENV, ENTRYPOINT, CMD, EXPOSE, STOPSIGNAL, VOLUME, … */
  changes: readonly string[];
}

/** What an `ensureStandIn…` call found or made. */
export interface StandInImage {
  /** The public name. */
  tag: string;
  /** True when this call made the image; false when the tag was already there (a current stand-in or the real one). */
  wasCreated: boolean;
  /** How long the call took, waiting for another worker's build included. */
  durationMs: number;
}

/**
 * Makes the stand-in for `recipe.tag` unless that tag is already there as the real image or as a stand-in of the same
 * recipe. Needs root (debootstrap, chroot), `debootstrap`, `tar` and Debian's repositories. Prints how long it took.
 */
export async function ensureDebianStandIn(
  engine: DockerEngine,
  recipe: DebianStandInRecipe,
): Promise<StandInImage> {
  const started = performance.now();
  const recipeHash = hashOf(recipe);
  const finish = (wasCreated: boolean): StandInImage => {
    const durationMs = Math.round(performance.now() - started);
    const what = wasCreated ? 'made the stand-in' : 'found';
    process.stderr.write(`stand-in image: ${what} ${recipe.tag} in ${durationMs} ms\n`);
    return { tag: recipe.tag, wasCreated, durationMs };
  };
  if (await isCurrent(engine, recipe.tag, recipeHash)) return finish(false);
  const lockPath = join(tmpdir(), `ironcurtain-stand-in-${recipe.tag.replace(/[^A-Za-z0-9.-]/g, '_')}.lock`);
  const wasCreated = await withFileLock(lockPath, lockWaitMs, async () => {
    if (await isCurrent(engine, recipe.tag, recipeHash)) return false;
    await createStandIn(engine, recipe, recipeHash);
    return true;
  });
  return finish(wasCreated);
}

function hashOf(recipe: DebianStandInRecipe): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

// The real image (no stand-in label) is always good enough; a stand-in only when it was made from this recipe.
async function isCurrent(engine: DockerEngine, tag: string, recipeHash: string): Promise<boolean> {
  const labels = await imageLabels(engine, tag);
  if (labels === undefined) return false;
  return labels[standInLabel] !== 'true' || labels[recipeLabel] === recipeHash;
}

/** The labels of image `tag`, or undefined when the engine has no such image. */
export async function imageLabels(
  engine: DockerEngine,
  tag: string,
): Promise<Record<string, string> | undefined> {
  return engine.client
    .getImage(tag)
    .inspect()
    .then((image) => image.Config?.Labels ?? {})
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode === 404) return undefined;
      throw error;
    });
}

async function createStandIn(
  engine: DockerEngine,
  recipe: DebianStandInRecipe,
  recipeHash: string,
): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), 'ironcurtain-stand-in-'));
  const rootfs = join(staging, 'rootfs');
  try {
    await debootstrapRootfs(rootfs, recipe.packages);
    for (const file of recipe.files) {
      const target = join(rootfs, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
      await chmod(target, file.mode);
    }
    for (const command of recipe.commands) await run('chroot', [rootfs, ...command]);
    for (const path of recipe.removePaths) await rm(join(rootfs, path), { recursive: true, force: true });
    await importRootfs(engine, rootfs, recipe.tag, [
      `LABEL ${standInLabel}=true`,
      `LABEL ${recipeLabel}=${recipeHash}`,
      ...recipe.changes,
    ]);
  } finally {
    await unmountUnder(staging);
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * `debootstrap --variant=minbase bookworm` into `rootfs` from the mirror this machine's apt uses, with `packages`,
 * then without package lists and apt's caches, as the official slim images ship.
 */
export async function debootstrapRootfs(rootfs: string, packages: readonly string[]): Promise<void> {
  const mirror = await readDebianMirror();
  const include = packages.length === 0 ? [] : [`--include=${packages.join(',')}`];
  try {
    await run('debootstrap', ['--variant=minbase', ...include, 'bookworm', rootfs, mirror], {
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error(
        'debootstrap is not on PATH: apt-get install debootstrap (./scripts/setup installs it)',
        {
          cause: error,
        },
      );
    }
    const tail = `${failure.stdout ?? ''}${failure.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`debootstrap of bookworm from ${mirror} failed (it needs root):\n${tail}`, {
      cause: error,
    });
  }
  // Builds run `apt-get update` first, as ours do.
  await rm(join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
  await mkdir(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
  await run('find', [join(rootfs, 'var/cache/apt'), '-name', '*.bin', '-delete']);
  await run('find', [join(rootfs, 'var/cache/apt/archives'), '-name', '*.deb', '-delete']);
}

/** `tar -C rootfs . | docker import` as `tag` with `changes`; a failed tar leaves no image under the tag. */
export async function importRootfs(
  engine: DockerEngine,
  rootfs: string,
  tag: string,
  changes: readonly string[],
): Promise<void> {
  const separator = tag.lastIndexOf(':');
  const repository = separator < 0 ? tag : tag.slice(0, separator);
  const version = separator < 0 ? 'latest' : tag.slice(separator + 1);
  const tar = spawn('tar', ['-C', rootfs, '--numeric-owner', '-c', '.'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tarErrors = '';
  tar.stderr.setEncoding('utf8').on('data', (chunk: string) => (tarErrors += chunk));
  const tarExit = new Promise<number | null>((resolve) => tar.on('close', resolve));
  const progress = await engine.client.importImage(tar.stdout, {
    repo: repository,
    tag: version,
    changes: [...changes],
  });
  await new Promise<void>((resolve, reject) =>
    engine.client.modem.followProgress(progress, (error: Error | null) =>
      error ? reject(error) : resolve(),
    ),
  );
  const exitCode = await tarExit;
  if (exitCode !== 0) {
    // An image of a partial tarball must not be cached under the tag.
    await engine.client
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
    throw new Error(`tar of the stand-in root file system failed (${exitCode}): ${tarErrors}`);
  }
}

/** A debootstrap that failed half-way can leave /proc or /sys mounted inside the target: unmount before deleting. */
export async function unmountUnder(folder: string): Promise<void> {
  const mounts = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
  const mountPoints = mounts
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${folder}/`))
    .sort((left, right) => right.length - left.length);
  for (const mountPoint of mountPoints) await run('umount', ['-l', mountPoint]).catch(() => undefined);
}
