// No container registry is reachable on the development machines, so `node:24-bookworm-slim` cannot be pulled. This
// makes a local image under that public name (labelled ironcurtain.stand-in=true) with the official image's layout:
// a Debian bookworm root file system from debootstrap, this machine's Node 24 at /usr/local/bin/node, npm in
// /usr/local/lib/node_modules/npm with npm/npx links in /usr/local/bin, and a `node` user with uid 1000. The shipped
// Dockerfiles (deploy/agents/) then build against it unchanged.
// One addition: this machine's local CA certificates (/usr/local/share/ca-certificates), with NODE_EXTRA_CA_CERTS
// naming them. Builds download through the host's network, and where that network re-signs TLS (a corporate or
// sandbox egress proxy) the host trusts its CA only through these local additions; without them npm inside the build
// fails with SELF_SIGNED_CERT_IN_CHAIN. They are public certificates, and none is an IronCurtain session CA.
import { execFile } from 'node:child_process';
import {
  chmod,
  copyFile,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { DockerEngine } from '@ironcurtain/docker-engine';
import { withFileLock } from '../file-lock.js';
import {
  debootstrapRootfs,
  imageLabels,
  importRootfs,
  standInLabel,
  unmountUnder,
} from './stand-in-debian-image.js';

const run = promisify(execFile);

/** The public name the base Dockerfile starts from, which the stand-in takes. */
export const standInNodeImageTag = 'node:24-bookworm-slim';

/** What {@link ensureStandInNodeImage} found or made. */
export interface StandInNodeImage {
  /** Always {@link standInNodeImageTag}. */
  tag: string;
  /** True when this call made the image; false when the tag was already there (a stand-in or the real one). */
  wasCreated: boolean;
  /** How long the call took, waiting for another worker's build included. */
  durationMs: number;
}

// Parallel vitest workers (and parallel test runs) make the image once: the first takes the lock, the others wait
// and then find the tag.
const lockPath = join(tmpdir(), 'ironcurtain-stand-in-node-image.lock');
const lockWaitMs = 15 * 60_000;

/**
 * Makes `node:24-bookworm-slim` on the engine unless that tag is already there (then nothing is rebuilt). Needs root
 * (debootstrap), `debootstrap`, `tar`, and Debian's repositories; takes about a minute. Prints how long it took.
 */
export async function ensureStandInNodeImage(engine: DockerEngine): Promise<StandInNodeImage> {
  const started = performance.now();
  const finish = (wasCreated: boolean): StandInNodeImage => {
    const durationMs = Math.round(performance.now() - started);
    const what = wasCreated ? 'made the stand-in' : 'found';
    process.stderr.write(`stand-in node image: ${what} ${standInNodeImageTag} in ${durationMs} ms\n`);
    return { tag: standInNodeImageTag, wasCreated, durationMs };
  };
  if (await hasImage(engine, standInNodeImageTag)) return finish(false);
  const wasCreated = await withFileLock(lockPath, lockWaitMs, async () => {
    if (await hasImage(engine, standInNodeImageTag)) return false;
    await createStandIn(engine);
    return true;
  });
  return finish(wasCreated);
}

async function hasImage(engine: DockerEngine, tag: string): Promise<boolean> {
  return (await imageLabels(engine, tag)) !== undefined;
}

async function createStandIn(engine: DockerEngine): Promise<void> {
  const nodeMajor = process.versions.node.split('.')[0];
  if (nodeMajor !== '24') {
    throw new Error(
      `the stand-in for ${standInNodeImageTag} copies this machine's Node, which is ${process.version}, not 24: ` +
        'run the tests with Node 24 (source .tools/env after ./scripts/setup)',
    );
  }
  const staging = await mkdtemp(join(tmpdir(), 'ironcurtain-stand-in-'));
  const rootfs = join(staging, 'rootfs');
  try {
    await debootstrapRootfs(rootfs, []);
    await addNodeUser(rootfs);
    await installNode(rootfs);
    const hostCertificates = await copyHostCertificates(rootfs);
    await importRootfs(engine, rootfs, standInNodeImageTag, [
      `LABEL ${standInLabel}=true`,
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `ENV NODE_VERSION=${process.versions.node}`,
      'CMD ["node"]',
      ...(hostCertificates === undefined ? [] : [`ENV NODE_EXTRA_CA_CERTS=${hostCertificates}`]),
    ]);
  } finally {
    await unmountUnder(staging);
    await rm(staging, { recursive: true, force: true });
  }
}

// The official image's `node` user (uid and gid 1000): a Dockerfile adding its own user gets the next uid, as there.
async function addNodeUser(rootfs: string): Promise<void> {
  await run('chroot', [rootfs, 'groupadd', '--gid', '1000', 'node']);
  await run('chroot', [
    rootfs,
    'useradd',
    '--uid',
    '1000',
    '--gid',
    'node',
    '--shell',
    '/bin/bash',
    '--create-home',
    'node',
  ]);
}

async function installNode(rootfs: string): Promise<void> {
  const binaries = join(rootfs, 'usr/local/bin');
  const modules = join(rootfs, 'usr/local/lib/node_modules');
  await mkdir(binaries, { recursive: true });
  await mkdir(modules, { recursive: true });
  await copyFile(process.execPath, join(binaries, 'node'));
  await chmod(join(binaries, 'node'), 0o755);
  await cp(await findNpmFolder(), join(modules, 'npm'), { recursive: true, verbatimSymlinks: true });
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(binaries, 'npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(binaries, 'npx'));
}

// npm beside this Node (a nodejs.org layout) or the machine's own; the lib reads no PATH (no process.env in libs).
async function findNpmFolder(): Promise<string> {
  const candidates = [
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm'),
    '/usr/local/lib/node_modules/npm',
    '/usr/lib/node_modules/npm',
  ];
  for (const candidate of candidates) {
    const manifest = await readFile(join(candidate, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest !== undefined && (JSON.parse(manifest) as { name?: string }).name === 'npm')
      return candidate;
  }
  throw new Error(`no npm package folder found (looked in ${candidates.join(', ')}): apt-get install npm`);
}

const hostCertificatesFolder = '/usr/local/share/ca-certificates';
const hostCertificatesBundle = '/usr/local/share/ironcurtain-stand-in-host-ca.pem';

// The host's local CAs at the same place (update-ca-certificates adds them to the system store once a Dockerfile
// installs ca-certificates), and all of them in one file for NODE_EXTRA_CA_CERTS. Undefined when there are none.
async function copyHostCertificates(rootfs: string): Promise<string | undefined> {
  const names = (await readdir(hostCertificatesFolder).catch(() => [] as string[])).filter((name) =>
    name.endsWith('.crt'),
  );
  if (names.length === 0) return undefined;
  await mkdir(join(rootfs, hostCertificatesFolder), { recursive: true });
  const pems: string[] = [];
  for (const name of names.sort()) {
    await copyFile(join(hostCertificatesFolder, name), join(rootfs, hostCertificatesFolder, name));
    pems.push((await readFile(join(hostCertificatesFolder, name), 'utf8')).trim());
  }
  await writeFile(join(rootfs, hostCertificatesBundle), `${pems.join('\n')}\n`);
  return hostCertificatesBundle;
}
