// attachToContainerTerminal in a real pseudo-terminal: a tmux pane runs test/fixtures/pty-attach-program.mjs, which
// attaches the pane to a real container (Tty + OpenStdin) running test/fixtures/pty-attach-container.mjs on the
// stand-in node image. Typed keys reach the container, its output reaches the pane, a resize of the pane reaches the
// container's TTY, Ctrl-\ stops without reaching the container, and the pane's terminal is cooked again afterwards.
// Needs a Docker engine (CI=true fails without one), tmux, and the CLI built (`npx tsc -b`).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkEngine, createDockerEngine } from '@ironcurtain/docker-engine';
import { ensureStandInNodeImage, eventually } from '@ironcurtain/testing';

const run = promisify(execFile);
const fixtures = join(import.meta.dirname, 'fixtures');
const engine = createDockerEngine(process.env['DOCKER_HOST']);
const engineProblem = await checkEngine(engine, 'the pty-attach test');
if (engineProblem !== undefined && process.env['CI'] === 'true') {
  throw new Error(`the pty-attach test needs a Docker engine (CI=true): ${engineProblem}`);
}
let folder: string;
let image: string;
const containers: string[] = [];

// A private tmux server, its socket in the test's folder, so it meets no one else's and leaves nothing behind.
const tmux = async (...args: string[]) =>
  (await run('tmux', ['-S', join(folder, 'tmux.sock'), '-f', join(folder, 'tmux.conf'), ...args])).stdout;
const screen = () => tmux('capture-pane', '-p', '-t', 'pty');
const waitForScreen = (pattern: RegExp) =>
  eventually(`the pane to show ${pattern}`, async () => pattern.test(await screen()), 20_000).catch(
    async (error: Error) => {
      throw new Error(`${error.message}\n--- pane ---\n${await screen().catch(() => '')}`, { cause: error });
    },
  );
/** `stty -a` of the pane's terminal, read from outside while the program runs. */
const paneTerminalModes = async () => {
  const paneTty = (await tmux('display-message', '-p', '-t', 'pty', '#{pane_tty}')).trim();
  return (await run('stty', ['-a', '-F', paneTty])).stdout;
};
/** The program returned by itself: nothing (stdin, the engine's sockets) keeps it alive after the attachment. */
const waitForProgramEnd = () =>
  eventually(
    'the program to end',
    async () => (await tmux('display-message', '-p', '-t', 'pty', '#{pane_dead}')).trim() === '1',
    10_000,
  );
const hasMode = (stty: string, mode: string) => new RegExp(`(^|\\s)${mode}(\\s|$)`).test(stty);

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'ironcurtain-pty-attach-'));
  // The alert-bell hook records every bell the pane rings; the pane stays readable after the program ends.
  await writeFile(
    join(folder, 'tmux.conf'),
    'set -g bell-action any\nset -g remain-on-exit on\n' +
      `set-hook -g alert-bell "run-shell 'echo rang >> ${join(folder, 'bells')}'"\n`,
  );
  if (engineProblem === undefined) image = (await ensureStandInNodeImage(engine)).tag;
}, 15 * 60_000);
afterEach(async () => {
  await tmux('kill-server').catch(() => undefined);
  for (const name of containers.splice(0)) {
    await engine.client
      .getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  }
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A container like an agent's PTY session: a TTY, stdin kept open, no network, the fixture mounted read-only. */
async function createTerminalContainer(): Promise<string> {
  const name = `ironcurtain-pty-test-${randomUUID().slice(0, 8)}`;
  containers.push(name);
  await engine.client.createContainer({
    name,
    Image: image,
    Cmd: ['node', '/fixtures/pty-attach-container.mjs'],
    Tty: true,
    OpenStdin: true,
    Labels: { 'ironcurtain.test': 'pty-attach' },
    HostConfig: { NetworkMode: 'none', Binds: [`${fixtures}:/fixtures:ro`] },
  });
  return name;
}

/** Runs the attaching program in a fresh 100×30 tmux pane; resolves with the file it writes its result to. */
async function startProgram(containerName: string): Promise<string> {
  const resultFile = join(folder, `result-${containerName}.json`);
  const program = join(fixtures, 'pty-attach-program.mjs');
  await tmux(
    'new-session',
    '-d',
    '-s',
    'pty',
    '-x',
    '100',
    '-y',
    '30',
    process.execPath,
    program,
    containerName,
    resultFile,
  );
  await waitForScreen(/program: attached/);
  return resultFile;
}

const readResult = (resultFile: string) =>
  eventually(
    'the program to write its result',
    async () =>
      (JSON.parse(await readFile(resultFile, 'utf8').catch(() => 'null')) as {
        how: string;
        exitCode?: number;
        isRaw: boolean;
        stty: string;
      } | null) ?? undefined,
  );

describe.skipIf(engineProblem !== undefined)('attachToContainerTerminal', () => {
  it('forwards keys, output and resizes, keeps Ctrl-\\ from the container, and restores the terminal', async () => {
    const containerName = await createTerminalContainer();
    // Attached before the container starts, as `docker run -it` does: no output is lost, and the size takes later.
    const resultFile = await startProgram(containerName);
    await engine.client.getContainer(containerName).start();
    await waitForScreen(/size 100x30/);
    const whileAttached = await paneTerminalModes();
    expect([
      hasMode(whileAttached, '-icanon'),
      hasMode(whileAttached, '-echo'),
      hasMode(whileAttached, '-isig'),
    ]).toEqual([true, true, true]);
    const bells = join(folder, 'bells');
    await eventually(
      'tmux to hear the bell',
      async () => (await readFile(bells, 'utf8').catch(() => '')) !== '',
    );
    expect((await readFile(bells, 'utf8')).trim()).toBe('rang');

    await tmux('send-keys', '-t', 'pty', 'hello from the pane', 'Enter');
    await waitForScreen(/got: hello from the pane/);
    await tmux('resize-window', '-t', 'pty', '-x', '80', '-y', '20');
    await waitForScreen(/size 80x20/);

    await tmux('send-keys', '-t', 'pty', '-H', '1c');
    const result = await readResult(resultFile);
    expect(result.how).toBe('stop requested');
    expect(result.isRaw).toBe(false);
    expect(['icanon', 'echo', 'isig'].map((mode) => hasMode(result.stty, mode))).toEqual([true, true, true]);
    // A Ctrl-\ that reached the container's cooked TTY would have killed it with SIGQUIT.
    const state = (await engine.client.getContainer(containerName).inspect()).State;
    expect(state.Running).toBe(true);
    await waitForProgramEnd();
  }, 60_000);

  it('restores the terminal by itself when the container exits, with its exit code', async () => {
    const containerName = await createTerminalContainer();
    await engine.client.getContainer(containerName).start();
    const resultFile = await startProgram(containerName);
    await waitForScreen(/size 100x30/);
    await tmux('send-keys', '-t', 'pty', 'exit 3', 'Enter');
    const result = await readResult(resultFile);
    expect(result).toMatchObject({ how: 'container exited', exitCode: 3, isRaw: false });
    expect(['icanon', 'echo', 'isig'].map((mode) => hasMode(result.stty, mode))).toEqual([true, true, true]);
    await waitForProgramEnd();
  }, 60_000);
});
