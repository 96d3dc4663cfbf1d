// `ironcurtain deploy init`: the real command writes a compose deployment's identities; a real nats-server started
// with the config it wrote lets each principal in with its own seed and holds it to its permissions; the host CLI
// reaches services through `--nats` with the CLI's seed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fromSeed } from '@nats-io/nkeys';
import { connectBus, type Bus } from '@ironcurtain/bus';
import { EscalationResolve, subjectOfRequest, subjectServed } from '@ironcurtain/proto-schemas';

import { eventually, startNats, stopProcess, type NatsServerHandle } from '@ironcurtain/testing';
import { deployPrincipals } from '../src/domain/deploy/deploy-layout.js';
import { serviceEntryPath } from '../src/domain/stack/stack-services.js';
import { ironcurtain as ironcurtainIn, runAs, runAsArguments } from './deploy-user-fixture.js';

const isRoot = process.getuid?.() === 0;

// The CLI asks escalation.resolve.v1 in its own name (`….p.admin.cli`); the router serves every caller's.
const resolveAsCli = subjectOfRequest(EscalationResolve, { name: 'cli', role: 'admin' });

let directory: string;
let home: string;

/** Runs `ironcurtain <args>` in `cwd` with only PATH, HOME and IRONCURTAIN_HOME = this test's home (plus `env`). */
const ironcurtain = (args: readonly string[], cwd: string, env: Record<string, string> = {}) =>
  ironcurtainIn(args, cwd, home, env);

const seedFileOf = (principal: string) => join(directory, '.deploy', 'secrets', `${principal}.nk`);
const readSeed = async (principal: string) => (await readFile(seedFileOf(principal), 'utf8')).trim();
const connectionNameOf = (principal: string) => (principal === 'cli' ? 'ironcurtain-cli' : principal);

/** principal → public key, as written in the nats-server config. */
function publicKeysIn(config: string): Map<string, string> {
  const pattern = /# ([a-z-]+): its seed is secrets\/\1\.nk\n\s*\{ nkey: "(U[A-Z2-7]{55})"/g;
  return new Map([...config.matchAll(pattern)].map((match) => [match[1] as string, match[2] as string]));
}

/** The written config, with the listen address, monitoring port and store moved where a test can run it. */
async function startServerWithWrittenConfig(): Promise<NatsServerHandle> {
  const written = await readFile(join(directory, '.deploy', 'nats-server.conf'), 'utf8');
  const config = written
    .replace(/^listen: .*$/m, '')
    .replace(/^http: .*$/m, '')
    .replace(/store_dir: .*$/m, `store_dir: ${JSON.stringify(join(home, `jetstream-${randomUUID()}`))}`);
  // JetStream comes from the config's own block (startNats's -sd would clash with its store_dir).
  return startNats({ config, jetstream: false });
}

async function snapshot(folder: string): Promise<Record<string, string>> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries.filter((candidate) => candidate.isFile())) {
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    files[path] = `${(info.mode & 0o777).toString(8)} ${info.mtimeMs} ${await readFile(path, 'utf8')}`;
  }
  return files;
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ironcurtain-deploy-'));
  home = await mkdtemp(join(tmpdir(), 'ironcurtain-deploy-home-'));
  await writeFile(join(directory, '.env'), 'ANTHROPIC_API_KEY=sk-kept-as-is\nIRONCURTAIN_UID=1\n');
  const result = await ironcurtain(['deploy', 'init', ...runAsArguments], directory);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe('ironcurtain deploy init', () => {
  it('writes one seed per principal (0600 in a 0700 folder), a PostgreSQL password, the config and .env', async () => {
    const secrets = join(directory, '.deploy', 'secrets');
    expect((await stat(secrets)).mode & 0o777).toBe(0o700);
    expect((await readdir(secrets)).sort()).toEqual(
      [
        ...deployPrincipals.map((principal) => `${principal}.nk`),
        'postgres-password',
        'audit-writer.pgpass',
      ].sort(),
    );
    for (const name of await readdir(secrets)) {
      const info = await stat(join(secrets, name));
      expect({ name, mode: info.mode & 0o777, uid: info.uid, gid: info.gid }).toEqual({
        name,
        mode: 0o600,
        ...runAs,
      });
    }
    const password = await readFile(join(secrets, 'postgres-password'), 'utf8');
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await readFile(join(secrets, 'audit-writer.pgpass'), 'utf8')).toBe(
      `*:*:ironcurtain:ironcurtain:${password}\n`,
    );
    expect((await stat(join(directory, '.deploy', 'nats-server.conf'))).mode & 0o777).toBe(0o644);
    // The person's own settings stay; ours are set once; nothing secret of ours is in it.
    const env = await readFile(join(directory, '.env'), 'utf8');
    expect(env).toContain('ANTHROPIC_API_KEY=sk-kept-as-is\n');
    expect(env).toContain('IRONCURTAIN_DEPLOY_DIR=./.deploy\n');
    expect(env.match(/^IRONCURTAIN_UID=.*$/gm)).toEqual([`IRONCURTAIN_UID=${runAs.uid}`]);
    expect(env).toContain(`IRONCURTAIN_GID=${runAs.gid}\n`);
    for (const principal of deployPrincipals) expect(env).not.toContain(await readSeed(principal));
  });

  it('writes valid user seeds whose public keys are the users of the config, one distinct key each', async () => {
    const config = await readFile(join(directory, '.deploy', 'nats-server.conf'), 'utf8');
    const keys = publicKeysIn(config);
    expect([...keys.keys()].sort()).toEqual([...deployPrincipals].sort());
    for (const principal of deployPrincipals) {
      const seed = await readSeed(principal);
      expect(seed).toMatch(/^SU[A-Z2-7]{56}$/);
      expect(fromSeed(new TextEncoder().encode(seed)).getPublicKey()).toBe(keys.get(principal));
      expect(config).not.toContain(seed);
    }
    expect(new Set(keys.values()).size).toBe(deployPrincipals.length);
    expect(config).toMatch(/^listen: 0\.0\.0\.0:4222$/m);
    expect(config).toContain('store_dir: "/data/jetstream"');
    expect(config).toMatch(/^http: 127\.0\.0\.1:8222$/m); // the monitoring endpoints list every connection
    expect(config).not.toMatch(/allow: \[[^\]]*">"/); // no principal may use every subject
  });

  it('refuses to overwrite an existing .deploy without --rotate, and changes nothing', async () => {
    const before = await snapshot(directory);
    const again = await ironcurtain(['deploy', 'init', ...runAsArguments], directory);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\.deploy already exists .*nothing was changed.*deploy init --rotate/);
    expect(await snapshot(directory)).toEqual(before);
  });

  it.runIf(isRoot)('as root, gives the files to the sudo user, else to the images’ user 1000', async () => {
    for (const [env, owner] of [
      [
        { SUDO_UID: '4321', SUDO_GID: '4322' },
        { uid: 4321, gid: 4322 },
      ],
      [{}, { uid: 1000, gid: 1000 }],
    ] as const) {
      const elsewhere = await mkdtemp(join(tmpdir(), 'ironcurtain-deploy-sudo-'));
      try {
        const result = await ironcurtain(['deploy', 'init', elsewhere], directory, env);
        expect(result.code).toBe(0);
        const seed = await stat(join(elsewhere, '.deploy', 'secrets', 'cli.nk'));
        expect({ uid: seed.uid, gid: seed.gid }).toEqual(owner);
        expect(await readFile(join(elsewhere, '.env'), 'utf8')).toContain(`IRONCURTAIN_UID=${owner.uid}\n`);
      } finally {
        await rm(elsewhere, { recursive: true, force: true });
      }
    }
  });

  it('refuses to make the services run as root', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'ironcurtain-deploy-root-'));
    try {
      const result = await ironcurtain(['deploy', 'init', elsewhere, '--uid', '0', '--gid', '0'], directory);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/must not run as root.*--uid/);
      expect(await readdir(elsewhere)).toEqual([]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('a nats-server with the written config', () => {
  let nats: NatsServerHandle;
  const buses: Bus[] = [];
  const connectAs = async (principal: string, seedFile = seedFileOf(principal)) => {
    const bus = await connectBus({
      url: nats.url,
      name: connectionNameOf(principal),
      nkeySeedFile: seedFile,
      connectTimeoutMs: 3000,
    });
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    nats = await startServerWithWrittenConfig();
  });
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await nats.dispose();
  });

  it('lets every principal in with its own seed', async () => {
    for (const principal of deployPrincipals) {
      const bus = await connectAs(principal);
      expect(bus.connection.isClosed()).toBe(false);
    }
  });

  it('holds each to its permissions: the CLI may resolve an escalation, the orchestrator may not', async () => {
    const router = await connectAs('escalation-router');
    const received: string[] = [];
    router.connection.subscribe(subjectServed(EscalationResolve), {
      callback: (_error, message) => void received.push(message.string()),
    });
    await router.connection.flush();

    const orchestrator = await connectAs('session-orchestrator');
    const violations: string[] = [];
    void (async () => {
      for await (const status of orchestrator.connection.status()) {
        if (status.type === 'error') violations.push(String(status.error));
      }
    })();
    orchestrator.connection.publish(resolveAsCli, 'from the orchestrator');
    await orchestrator.connection.flush();
    const cli = await connectAs('cli');
    cli.connection.publish(resolveAsCli, 'from the cli');
    await cli.connection.flush();

    await eventually('the cli message', () => received.includes('from the cli'));
    await eventually('a permissions violation', () => violations.length > 0);
    expect(received).toEqual(['from the cli']);
    expect(violations.join()).toMatch(
      /Permissions Violation for Publish to "escalation\.resolve\.v1\.p\.admin\.cli"/,
    );
  });

  it("gives a seed its own principal's rights, whatever name the connection takes", async () => {
    const received: string[] = [];
    const router = await connectAs('escalation-router');
    router.connection.subscribe(subjectServed(EscalationResolve), {
      callback: (_error, message) => void received.push(message.string()),
    });
    await router.connection.flush();
    const impostor = await connectAs('cli', seedFileOf('session-orchestrator'));
    impostor.connection.publish(resolveAsCli, 'impostor');
    await impostor.connection.flush();
    const cli = await connectAs('cli');
    cli.connection.publish(resolveAsCli, 'marker');
    await cli.connection.flush();
    await eventually('the marker', () => received.includes('marker'));
    expect(received).toEqual(['marker']);
  });
});

describe('the host CLI with --nats and the cli seed', () => {
  let nats: NatsServerHandle;
  let router: ChildProcess | undefined;

  beforeAll(async () => {
    nats = await startServerWithWrittenConfig();
  });
  afterAll(async () => {
    if (router !== undefined) await stopProcess(router);
    await nats.dispose();
  });

  it('says clearly that no service answers when none runs', async () => {
    const result = await ironcurtain(['--nats', nats.url, 'escalations'], directory);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/escalation\.list\.v1: no service is answering \(is it running\?\)/);
  });

  it('lists the escalations of a service that logged in with its own seed (NATS_NKEY_SEED_FILE)', async () => {
    const serviceHome = join(home, 'router');
    router = spawn(process.execPath, [serviceEntryPath('escalation-router')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        NATS_URL: nats.url,
        NATS_NKEY_SEED_FILE: seedFileOf('escalation-router'),
        IRONCURTAIN_HOME: serviceHome,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    router.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    router.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(`the router to start (output: ${output})`, () => output.includes('"started"'), 30_000);
    expect(output).not.toContain(await readSeed('escalation-router'));

    // The default login with --nats: ./.deploy/secrets/cli.nk of the current folder.
    const listed = await ironcurtain(['--nats', nats.url, 'escalations', '--json'], directory);
    expect(listed.stderr).toBe('');
    expect(JSON.parse(listed.stdout)).toEqual({ tickets: [] });
    // The same through the environment, from anywhere.
    const fromEnvironment = await ironcurtain(['escalations'], home, {
      NATS_URL: nats.url,
      NATS_NKEY_SEED_FILE: seedFileOf('cli'),
    });
    expect(fromEnvironment.stdout).toBe('no pending escalations\n');
    expect(fromEnvironment.code).toBe(0);
  });

  it('is refused with a seed the server does not know, saying which key', async () => {
    const stranger = join(home, 'stranger.nk');
    await writeFile(stranger, createUser().getSeed(), { mode: 0o600 });
    const result = await ironcurtain(['--nats', nats.url, '--nats-nkey', stranger, 'escalations'], directory);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the server refused the nkey U[A-Z2-7]{55} from .*stranger\.nk/);
  });

  it('never starts a private local stack for `start` when --nats is given', async () => {
    const result = await ironcurtain(['--nats', 'nats://127.0.0.1:1', 'start', 'a task'], directory);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot connect to NATS at nats://127.0.0.1:1');
    expect(result.stderr).not.toContain('starting one');
    await expect(stat(join(home, 'run', 'stack.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('ironcurtain deploy init --rotate', () => {
  it('replaces every key and the config, keeps the PostgreSQL password, and the old keys no longer log in', async () => {
    const oldCliSeed = join(home, 'old-cli.nk');
    await writeFile(oldCliSeed, await readSeed('cli'), { mode: 0o600 });
    const oldSeeds = await Promise.all(deployPrincipals.map(readSeed));
    const password = await readFile(join(directory, '.deploy', 'secrets', 'postgres-password'), 'utf8');

    const rotated = await ironcurtain(['deploy', 'init', '--rotate', ...runAsArguments], directory);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/rotated the NATS keys[\s\S]*docker compose up -d --force-recreate/);

    const newSeeds = await Promise.all(deployPrincipals.map(readSeed));
    newSeeds.forEach((seed, index) => expect(seed).not.toBe(oldSeeds[index]));
    expect(await readFile(join(directory, '.deploy', 'secrets', 'postgres-password'), 'utf8')).toBe(password);
    const keys = publicKeysIn(await readFile(join(directory, '.deploy', 'nats-server.conf'), 'utf8'));
    expect(keys.get('cli')).toBe(fromSeed(new TextEncoder().encode(await readSeed('cli'))).getPublicKey());

    const nats = await startServerWithWrittenConfig();
    try {
      const fresh = await connectBus({
        url: nats.url,
        name: 'ironcurtain-cli',
        nkeySeedFile: seedFileOf('cli'),
      });
      await fresh.close();
      await expect(
        connectBus({
          url: nats.url,
          name: 'ironcurtain-cli',
          nkeySeedFile: oldCliSeed,
          connectTimeoutMs: 3000,
        }),
      ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    } finally {
      await nats.dispose();
    }
  });
});
