// The shipped docker-compose.yml and deploy/Dockerfile, unchanged, on this machine's Docker engine: no registry is
// reachable, so the public base images they name (node, nats, postgres) are first made locally as stand-ins from
// Debian packages (libs/testing stand-in-*-image.ts). The deploy folder (keys, NATS users, database password) is
// written by the real `ironcurtain deploy init DIR --uid 1000 --gid 1000`. Through the running stack, from the host's
// `ironcurtain` on the published NATS port: a scripted demo session (sandbox write allowed, SSH key denied, the git
// remote and push approved with `ironcurtain approve`), its audit records in PostgreSQL and in the trail file
// (verified), then `docker-compose down` and `up` again: the policy, the trail and the session are still there.
// Needs root (debootstrap), Docker and docker-compose; without them it is skipped, except under CI=true.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, type Bus } from '@ironcurtain/bus';
import { checkEngine, createDockerEngine } from '@ironcurtain/docker-engine';
import { connectionNameOf, PdpToolCall, SessionList } from '@ironcurtain/proto-schemas';
import {
  ensureStandInNatsImage,
  ensureStandInNodeImage,
  ensureStandInPostgresImage,
  eventually,
  standInNatsImageTag,
  standInPostgresImageTag,
  withFileLock,
} from '@ironcurtain/testing';
import {
  approveWhileRunning,
  createCompose,
  projectContainers,
  repositoryRoot,
  runCli,
  runCommand,
  startCli,
  tail,
  waitForHealthy,
} from './compose-fixture.js';

const isCi = process.env['CI'] === 'true';
const engine = createDockerEngine(process.env['DOCKER_HOST']);
const hostEnvironment: Record<string, string> = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: process.env['HOME'] ?? '/root',
  ...(process.env['DOCKER_HOST'] === undefined ? {} : { DOCKER_HOST: process.env['DOCKER_HOST'] }),
};
const unavailable = await whyComposeCannotRun();

const services = [
  'nats',
  'postgres',
  'session-orchestrator',
  'policy-decision-point',
  'mcp-gateway',
  'mitm-egress',
  'audit-writer',
  'escalation-router',
];
const oneShots = ['home-init', 'policy-init'];
// Test runs on one machine take turns: they build the same image tags (kept afterwards as the build cache).
const imageTag = 'compose-test';
const lockPath = join(tmpdir(), 'ironcurtain-compose-test.lock');
const demoTask = 'Show what IronCurtain does with allowed, denied and escalated calls.';

async function whyComposeCannotRun(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'the stand-in images need root (debootstrap)';
  const reason = await checkEngine(engine, 'the compose test');
  if (reason !== undefined) return reason;
  const version = await runCommand('docker-compose', ['version', '--short'], {
    env: hostEnvironment,
    timeoutMs: 30_000,
  });
  return version.code === 0 ? undefined : 'docker-compose is not installed (./scripts/setup installs it)';
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `ironcurtain deploy init DIR --uid 1000 --gid 1000` as a person runs it (root here, so the secrets are given to the
 * images' user); returns the `.env` it wrote, after checking what it says.
 */
async function writeDeployFolder(folder: string, env: Record<string, string>): Promise<string> {
  const init = await runCli(['deploy', 'init', folder, '--uid', '1000', '--gid', '1000'], env);
  expect(init.code, init.stdout + init.stderr).toBe(0);
  const envFile = join(folder, '.env');
  const written = await readFile(envFile, 'utf8');
  expect(written).toContain('IRONCURTAIN_DEPLOY_DIR=./.deploy\n');
  expect(written).toContain('IRONCURTAIN_UID=1000\n');
  expect(written).toContain('IRONCURTAIN_GID=1000\n');
  return envFile;
}

/** The test's own settings in `.env`: a line that sets one of them is replaced, the others are appended. */
async function addTestSettings(envFile: string, settings: Record<string, string>): Promise<void> {
  const kept = (await readFile(envFile, 'utf8'))
    .split('\n')
    .filter((line) => line !== '' && !Object.keys(settings).some((name) => line.startsWith(`${name}=`)));
  const added = Object.entries(settings).map(([name, value]) => `${name}=${value}`);
  await writeFile(envFile, `${[...kept, '# The compose test:', ...added].join('\n')}\n`);
}

describe.skipIf(unavailable !== undefined && !isCi)('docker compose up with the shipped files', () => {
  const project = `ictest${randomBytes(4).toString('hex')}`;
  const timings: Record<string, number> = {};
  let folder: string;
  let cliSeedFile: string;
  let compose: ReturnType<typeof createCompose>;
  let cliEnvironment: Record<string, string>;
  let bus: Bus | undefined;
  let sessionId = '';
  const trails: string[] = [];
  let releaseLock: () => void = () => undefined;
  let lockReleased: Promise<void> = Promise.resolve();

  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[name] = Math.round((performance.now() - started) / 100) / 10;
    }
  };
  const containerOf = async (service: string): Promise<string> => {
    const container = (await projectContainers(engine, project)).find((each) => each.service === service);
    if (container === undefined) throw new Error(`no container of ${service} in project ${project}`);
    return container.id;
  };
  const waitForStack = () => waitForHealthy(engine, project, { services, oneShots }, 240_000);
  const withLogs = async (error: unknown): Promise<never> => {
    const logs = await compose(['logs', '--no-color', '--tail=30']).catch((failure: Error) => ({
      stdout: failure.message,
    }));
    throw new Error(`${(error as Error).message}\n--- docker-compose logs ---\n${tail(logs.stdout, 200)}`, {
      cause: error,
    });
  };
  const copyTrail = async (): Promise<string> => {
    const file = join(folder, `audit-${trails.length + 1}.jsonl`);
    const source = `${await containerOf('audit-writer')}:/data/sessions/${sessionId}/audit.jsonl`;
    const copied = await runCommand('docker', ['cp', source, file], {
      env: hostEnvironment,
      timeoutMs: 60_000,
    });
    expect(copied.code, copied.stderr).toBe(0);
    trails.push(file);
    return file;
  };
  const readHello = () =>
    request(
      bus as Bus,
      PdpToolCall,
      {
        callId: `compose-${randomUUID()}`,
        sessionId,
        serverName: 'filesystem',
        toolName: 'read_text_file',
        arguments: { path: 'hello.md' },
      },
      { timeoutMs: 60_000 },
    );

  beforeAll(async () => {
    if (unavailable !== undefined) throw new Error(`the compose test cannot run here: ${unavailable}`);
    await timed('waiting for other compose test runs', async () => {
      const testsDone = new Promise<void>((resolve) => (releaseLock = resolve));
      await new Promise<void>((resolve, reject) => {
        lockReleased = withFileLock(lockPath, 1_800_000, async () => {
          resolve();
          await testsDone;
        }).catch(reject);
      });
    });
    await timed('stand-in images', async () => {
      await ensureStandInNodeImage(engine);
      await Promise.all([ensureStandInNatsImage(engine), ensureStandInPostgresImage(engine)]);
    });
    // The stand-ins must be what the shipped file names, or compose would try to pull.
    const composeText = await readFile(join(repositoryRoot, 'docker-compose.yml'), 'utf8');
    expect(composeText).toContain(`image: ${standInNatsImageTag}\n`);
    expect(composeText).toContain(`image: ${standInPostgresImageTag}\n`);

    folder = await mkdtemp(join(tmpdir(), 'ironcurtain-compose-'));
    const cliHome = join(folder, 'cli-home');
    await mkdir(cliHome, { recursive: true });
    const deployDirectory = join(folder, '.deploy');
    cliSeedFile = join(deployDirectory, 'secrets', 'cli.nk');
    const envFile = await writeDeployFolder(folder, { PATH: hostEnvironment['PATH'] ?? '', HOME: cliHome });
    const natsPort = await freeLoopbackPort();
    await addTestSettings(envFile, {
      // compose resolves a relative path against the folder of docker-compose.yml (the repository), not the
      // folder of the --env-file: the deploy folder of this test is elsewhere.
      IRONCURTAIN_DEPLOY_DIR: deployDirectory,
      IRONCURTAIN_NATS_PORT: String(natsPort),
      LOG_LEVEL: 'info',
      IRONCURTAIN_IMAGE_TAG: imageTag,
      // The demo's git push must not send a DNS query off this machine: github.com is answered with a loopback
      // address, which the gateway's network filter refuses, so the approved push fails without any traffic.
      MCPGW_SERVER_RESOLVE: '{"github.com":"127.0.0.1"}',
    });
    compose = createCompose(project, envFile, hostEnvironment);
    cliEnvironment = {
      PATH: hostEnvironment['PATH'] ?? '',
      HOME: cliHome,
      IRONCURTAIN_HOME: join(cliHome, '.ironcurtain'),
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      NATS_NKEY_SEED_FILE: cliSeedFile,
    };
    await timed('build and up', () => compose(['up', '--detach', '--build'], 1_800_000)).catch(withLogs);
    await timed('healthy after up', waitForStack).catch(withLogs);
    bus = await connectBus({
      url: cliEnvironment['NATS_URL'] ?? '',
      name: connectionNameOf('cli'),
      nkeySeedFile: cliSeedFile,
    });
  }, 2_400_000);

  afterAll(async () => {
    await bus?.close();
    if (compose !== undefined) {
      await timed('down -v', () => compose(['down', '--volumes', '--remove-orphans'], 300_000)).catch(
        (error: Error) => process.stderr.write(`compose test cleanup: ${error.message}\n`),
      );
    }
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    releaseLock();
    await lockReleased;
    process.stderr.write(`compose test timings (s): ${JSON.stringify(timings)}\n`);
  }, 400_000);

  it('runs the demo session from the host CLI: write allowed, SSH key denied, remote and push approved', async () => {
    const session = startCli(['start', '--model', 'demo:scripted', demoTask], cliEnvironment);
    const approved = await timed('demo session', () => approveWhileRunning(session, cliEnvironment, 240_000));
    const output = session.output();
    expect(await session.exited, output).toBe(0);
    sessionId = /session (\S+) — sandbox:/.exec(output)?.[1] ?? '';
    expect(sessionId, output).not.toBe('');
    expect(output).toContain('filesystem.write_file: allowed');
    expect(output).toMatch(/filesystem\.read_text_file: DENIED: /);
    expect(output).toContain('git.git_commit: allowed');
    expect(output).toMatch(/approval needed \[[0-9a-f]{6}\]: git\.git_remote/);
    expect(output).toMatch(/git\.git_remote: allowed \(approved by /);
    expect(output).toMatch(/approval needed \[[0-9a-f]{6}\]: git\.git_push/);
    expect(approved).toHaveLength(2);
  }, 300_000);

  it('has the audit records in PostgreSQL and in the trail file, and the trail verifies', async () => {
    const query = await runCli(['audit', 'query', '--session', sessionId, '--json'], cliEnvironment);
    expect(query.code, query.stderr).toBe(0);
    const records = query.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            kind: string;
            toolName: string;
            policyDecision: { status: string; rule: string };
            sandboxed?: boolean;
          },
      );
    const decisionOf = (toolName: string, status: string) =>
      records.find(
        (record) =>
          record.kind === 'decision' &&
          record.toolName === toolName &&
          record.policyDecision.status === status,
      );
    expect(decisionOf('write_file', 'allow')).toBeDefined();
    expect(decisionOf('read_text_file', 'deny')?.policyDecision.rule).toBe('structural-secret-path');
    expect(decisionOf('git_push', 'allow')?.policyDecision.rule).toBe('escalate-git-remote-operations');
    // Every call ran inside bubblewrap in the gateway's container.
    const outcomes = records.filter((record) => record.kind === 'outcome');
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.every((record) => record.sandboxed === true)).toBe(true);

    const trail = await copyTrail();
    const lines = (await readFile(trail, 'utf8')).trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(records.length);
    const verify = await runCli(['audit', 'verify', trail], cliEnvironment);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const remote = await runCli(['audit', 'verify', '--remote', sessionId], cliEnvironment);
    expect(remote.code, remote.stdout + remote.stderr).toBe(0);

    // The copy in PostgreSQL catches up with the trail (the sink writes after the file is synced).
    const postgres = await containerOf('postgres');
    const sql = `SELECT count(*) FROM ironcurtain_audit.audit_records WHERE session_id = '${sessionId}'`;
    await eventually(
      `${lines.length} records of ${sessionId} in PostgreSQL`,
      async () => {
        const counted = await runCommand(
          'docker',
          [
            'exec',
            '--user',
            'postgres',
            postgres,
            'psql',
            '-U',
            'ironcurtain',
            '-d',
            'ironcurtain',
            '-Atc',
            sql,
          ],
          { env: hostEnvironment, timeoutMs: 30_000 },
        );
        return counted.code === 0 && Number(counted.stdout.trim()) === lines.length;
      },
      30_000,
      1000,
    );
  }, 120_000);

  it('keeps the policy, the trail and the session across docker-compose down and up', async () => {
    const before = await readHello();
    expect(before.outcome, before.message).toBe('executed');
    expect(JSON.stringify(before.content)).toContain('# Hello from IronCurtain');
    const trailBefore = await readFile(await copyTrail(), 'utf8');

    await bus?.close();
    bus = undefined;
    await timed('down (volumes kept)', () => compose(['down'], 300_000));
    await timed('up again', () => compose(['up', '--detach'], 600_000)).catch(withLogs);
    await timed('healthy after restart', waitForStack).catch(withLogs);
    bus = await connectBus({
      url: cliEnvironment['NATS_URL'] ?? '',
      name: connectionNameOf('cli'),
      nkeySeedFile: cliSeedFile,
    });

    // The policy: the same one decides (KV on the JetStream volume), and the sandbox is still there.
    const after = await readHello();
    expect(after.outcome, after.message).toBe('executed');
    expect(after.policyHash).toBe(before.policyHash);
    expect(JSON.stringify(after.content)).toContain('# Hello from IronCurtain');
    // The trail: what was there is there unchanged, the new calls follow, and the whole chain verifies.
    const trailAfter = await readFile(await copyTrail(), 'utf8');
    expect(trailAfter.startsWith(trailBefore)).toBe(true);
    expect(trailAfter.length).toBeGreaterThan(trailBefore.length);
    const verify = await runCli(['audit', 'verify', trails.at(-1) ?? ''], cliEnvironment);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    // The session: still known to the orchestrator, and it resumes.
    const { sessions } = await request(bus, SessionList, {}, { timeoutMs: 30_000 });
    expect(sessions.map((each) => each.sessionId)).toContain(sessionId);
    const resumed = startCli(
      ['start', '--model', 'demo:scripted', '--resume', sessionId, 'Once more, please.'],
      cliEnvironment,
    );
    await timed('resumed session', () => approveWhileRunning(resumed, cliEnvironment, 240_000));
    expect(await resumed.exited, resumed.output()).toBe(0);
    expect(resumed.output()).toContain(`session ${sessionId}`);
  }, 900_000);
});
