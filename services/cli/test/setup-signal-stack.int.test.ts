// Signal under the real stack: `ironcurtain up` with config.json's signal section hands the signal-bridge
// SIGNAL_API_URL (the environment's, here the wire-level fake; or the loopback URL of the container it runs) with its
// other SIGNAL_* settings, and no other process gets a SIGNAL_* value (read from /proc/<pid>/environ); a missing image
// is reported with the `docker pull` to run and the stack still comes up; `ironcurtain bot` runs the bridge against a
// stack started without Signal, as a stack child, and refuses when it would be a second bridge, Signal is not
// configured, or no stack runs.
import { readdir, readFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkEngine, createDockerEngine } from '@ironcurtain/docker-engine';
import { eventually, startFakeSignalApi, type FakeSignalApi } from '@ironcurtain/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../src/domain/stack/local-stack.js';
import { stackServiceNames } from '../src/domain/stack/stack-services.js';
import type { StackState } from '../src/domain/stack/stack-state.js';
import {
  cliEnvironment,
  isAlive,
  killLeftovers,
  pidsOf,
  readStackFile,
  runCli,
  stackLoginOf,
  startCli,
  type CliProcess,
} from './stack-process.js';

const bot = '+15550001111';
const person = '+15550002222';
const pinnedKey = `05 ${'5e '.repeat(31)}5e`;
const signalSection = {
  botNumber: bot,
  recipientNumber: person,
  recipientIdentityKey: pinnedKey,
  maxConcurrentSessions: 2,
};

async function environmentOf(pid: number): Promise<Record<string, string>> {
  const pairs = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').filter(Boolean);
  return Object.fromEntries(
    pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

async function homeWithConfig(config: unknown): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'ironcurtain-signal-stack-'));
  await writeFile(join(home, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  return home;
}

/** The children of `pid` (from /proc/<child>/stat's parent field). */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent === pid) children.push(Number(entry));
  }
  return children;
}

async function startStack(home: string, extra: Record<string, string> = {}) {
  const up = startCli(['up'], cliEnvironment(home, extra));
  await up.waitForOutput(/IronCurtain is up: nats:\/\/127\.0\.0\.1:\d+ \(7 services\)/, 60_000);
  const stack = await readStackFile(home);
  if (stack === undefined) throw new Error('no stack.json');
  return { up, stack };
}

async function stopStack(up: CliProcess | undefined, stack: StackState | undefined): Promise<void> {
  up?.child.kill('SIGTERM');
  await up?.exited;
  await killLeftovers(up, stack === undefined ? [] : pidsOf(stack));
}

describe('ironcurtain up with Signal configured and SIGNAL_API_URL set', () => {
  let home: string;
  let fake: FakeSignalApi;
  let up: CliProcess | undefined;
  let stack: StackState | undefined;
  const environments = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    fake = await startFakeSignalApi({ botNumber: bot });
    home = await homeWithConfig({ signal: signalSection });
    ({ up, stack } = await startStack(home, { SIGNAL_API_URL: fake.url }));
    for (const name of stackServiceNames) {
      const pid = stack.services[name];
      if (typeof pid !== 'number') throw new Error(`no PID of ${name} in stack.json`);
      environments.set(name, await environmentOf(pid));
    }
    if (stack.natsPid !== null) environments.set('nats-server', await environmentOf(stack.natsPid));
  }, 90_000);

  afterAll(async () => {
    await stopStack(up, stack);
    await fake?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('hands the signal-bridge SIGNAL_API_URL with its SIGNAL_* settings from config.json', () => {
    expect(environments.get('signal-bridge')).toMatchObject({
      SIGNAL_API_URL: fake.url,
      SIGNAL_BOT_NUMBER: bot,
      SIGNAL_RECIPIENT_NUMBER: person,
      SIGNAL_RECIPIENT_IDENTITY_KEY: pinnedKey,
      SIGNAL_MAX_CONCURRENT_SESSIONS: '2',
    });
    expect(up?.output()).toContain(
      `Signal (bot +*******1111): signal-cli-rest-api at ${fake.url} (SIGNAL_API_URL)`,
    );
    expect(up?.output()).not.toContain(bot);
  });

  it('gives no other process a SIGNAL_* variable or a Signal value', () => {
    expect(environments.size).toBe(8);
    for (const [name, environment] of environments) {
      if (name === 'signal-bridge') continue;
      expect(
        Object.keys(environment).filter((key) => key.startsWith('SIGNAL_')),
        name,
      ).toEqual([]);
      const values = JSON.stringify(environment);
      for (const value of [fake.url, bot, person, pinnedKey])
        expect(values, `${value} in ${name}`).not.toContain(value);
    }
  });

  it("`ironcurtain bot` refuses to be a second bridge while the stack's serves Signal", async () => {
    const { code, stderr } = await runCli(['bot'], cliEnvironment(home, { SIGNAL_API_URL: fake.url }));
    expect(code).toBe(1);
    expect(stderr).toMatch(/the stack's signal-bridge \(PID \d+\) already serves Signal for bot \+\*{7}1111/);
  });
});

const dockerUnreachable = await checkEngine(createDockerEngine(process.env['DOCKER_HOST']), 'this test');
if (dockerUnreachable !== undefined && process.env['CI'] === 'true')
  throw new Error(`Docker is needed here: ${dockerUnreachable}`);

describe.skipIf(dockerUnreachable !== undefined)(
  'ironcurtain up with Signal configured, no SIGNAL_API_URL, and the image not pulled',
  () => {
    let home: string | undefined;
    let up: CliProcess | undefined;
    let stack: StackState | undefined;

    afterAll(async () => {
      await stopStack(up, stack);
      if (home !== undefined) await rm(home, { recursive: true, force: true });
    });

    it("says which `docker pull` to run, starts the stack anyway, and points the bridge at the container's port", async () => {
      const port = await freeLoopbackPort();
      const image = 'ironcurtain-test/no-such-signal-image:0';
      home = await homeWithConfig({ signal: { ...signalSection, container: { image, port } } });
      const dockerHost = process.env['DOCKER_HOST'];
      ({ up, stack } = await startStack(home, dockerHost === undefined ? {} : { DOCKER_HOST: dockerHost }));
      expect(up.output()).toMatch(
        new RegExp(
          `Signal \\(bot \\+\\*{7}1111\\): cannot run signal-cli-rest-api: .*run \`docker pull ${image}\``,
        ),
      );
      const bridge = await environmentOf(stack.services['signal-bridge'] as number);
      expect(bridge['SIGNAL_API_URL']).toBe(`http://127.0.0.1:${port}`);
      expect((await stat(join(home, 'signal-data'))).mode & 0o777).toBe(0o700);
    }, 90_000);
  },
);

describe('ironcurtain bot', () => {
  let fake: FakeSignalApi;
  let home: string;
  let up: CliProcess | undefined;
  let stack: StackState | undefined;
  let botProcess: CliProcess | undefined;

  beforeAll(async () => {
    fake = await startFakeSignalApi({ botNumber: bot });
    home = await homeWithConfig({ escalationTimeoutSeconds: 45 });
  });
  afterEach(async () => {
    botProcess?.child.kill('SIGKILL');
    botProcess = undefined;
  });
  afterAll(async () => {
    await stopStack(up, stack);
    await fake?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('refuses when no stack runs, and when Signal is not configured', async () => {
    const notConfigured = await runCli(['bot'], cliEnvironment(home, { SIGNAL_API_URL: fake.url }));
    expect(notConfigured.code).toBe(1);
    expect(notConfigured.stderr).toMatch(
      /Signal is not configured \(config\.json has no signal\.botNumber, .*\): run `ironcurtain setup-signal` first/,
    );
    const configured = await homeWithConfig({ signal: signalSection });
    const noStack = await runCli(['bot'], cliEnvironment(configured, { SIGNAL_API_URL: fake.url }));
    await rm(configured, { recursive: true, force: true });
    expect(noStack.code).toBe(1);
    expect(noStack.stderr).toMatch(/no IronCurtain stack is running .*: start it with `ironcurtain up`/);
  });

  it('runs the bridge as a stack child against a stack started without Signal, until Ctrl-C; a killed bot leaves none', async () => {
    ({ up, stack } = await startStack(home));
    expect(await environmentOf(stack.services['signal-bridge'] as number)).not.toHaveProperty(
      'SIGNAL_BOT_NUMBER',
    );
    // Signal is set up after the stack started.
    await writeFile(
      join(home, 'config.json'),
      JSON.stringify({ escalationTimeoutSeconds: 45, signal: signalSection }),
    );
    const bridgeLogin = await stackLoginOf(home, 'signal-bridge');

    botProcess = startCli(['bot'], cliEnvironment(home, { SIGNAL_API_URL: fake.url }));
    await botProcess.waitForOutput(/running signal-bridge for bot \+\*{7}1111 and \+\*{7}2222/, 20_000);
    const [bridgePid] = await eventually('the bridge child', async () => {
      const children = await childrenOf(botProcess?.child.pid ?? -1);
      return children.length > 0 ? children : undefined;
    });
    const bridge = await environmentOf(bridgePid as number);
    expect((await readFile(`/proc/${bridgePid}/cmdline`, 'utf8')).split('\0')).toContain(
      join(process.cwd(), 'services/signal-bridge/dist/index.js'),
    );
    expect(bridge).toMatchObject({
      SIGNAL_API_URL: fake.url,
      SIGNAL_BOT_NUMBER: bot,
      SIGNAL_RECIPIENT_IDENTITY_KEY: pinnedKey,
      NATS_URL: stack.natsUrl,
      NATS_USER: 'signal-bridge',
      NATS_PASSWORD: bridgeLogin.password,
      IRONCURTAIN_SUPERVISED: '1',
    });
    expect(bridge).not.toHaveProperty('ESCALATION_TIMEOUT_SECONDS');

    botProcess.child.kill('SIGINT');
    expect(await botProcess.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(bridgePid as number)).toBe(false);

    // Killed outright, `bot` cannot stop its bridge: the bridge sees its stdin close and stops itself.
    botProcess = startCli(['bot'], cliEnvironment(home, { SIGNAL_API_URL: fake.url }));
    await botProcess.waitForOutput(/running signal-bridge/, 20_000);
    const [orphan] = await eventually('the second bridge child', async () => {
      const children = await childrenOf(botProcess?.child.pid ?? -1);
      return children.length > 0 ? children : undefined;
    });
    botProcess.child.kill('SIGKILL');
    await eventually('the orphaned bridge to stop', () => !isAlive(orphan as number), 15_000);
  }, 120_000);
});
