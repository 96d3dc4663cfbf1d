// Faults with the real filesystem server: a server killed in the middle of a call, a call that never finishes, a
// session that ends or idles out. The slow call is deterministic: read_file on a FIFO blocks until a writer opens
// it, and the test opens it (without writing) only to learn that the server is inside the call.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, subscribe } from '@ironcurtain/bus';
import { McpgwServerEvent, SessionStatusEvent } from '@ironcurtain/proto-schemas';
import { eventually } from '@ironcurtain/testing';
import { createWorld, filesystemServer, textOf, type World } from './gateway-world.js';

let world: World;
const events: Array<{ serverName: string; status: string; reason?: string | undefined }> = [];

beforeAll(async () => {
  world = await createWorld({
    servers: { filesystem: filesystemServer },
    env: { MCPGW_CALL_TIMEOUT_MS: '4000', MCPGW_IDLE_TIMEOUT_MS: '6000' },
  });
  subscribe(world.client, McpgwServerEvent, (event) => void events.push(event));
});
afterAll(async () => {
  await world?.dispose();
});

/** The pids of filesystem servers serving this sandbox, from /proc. */
function serverPids(sandbox: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      // The server's own process, not the bubblewrap processes around it (their command lines name it too).
      const isBubblewrap = commandLine[0]?.endsWith('bwrap') === true;
      if (
        !isBubblewrap &&
        commandLine.some((part) => part.includes('server-filesystem')) &&
        commandLine.includes(sandbox)
      ) {
        pids.push(Number(entry));
      }
    } catch {
      // the process is gone
    }
  }
  return pids;
}

/** Waits until a reader is blocked on the FIFO, and returns a write end held open (without data) by the test. */
async function waitForReader(fifo: string): Promise<number> {
  return eventually(`a reader on ${fifo}`, () => {
    try {
      return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      return undefined; // ENXIO: nobody reads it yet
    }
  });
}

describe('a server that dies in the middle of a call', () => {
  it('fails the call at once with a clear error, restarts the server, and the next call works', async () => {
    const sandbox = await world.sandboxOf('fault-kill');
    await writeFile(join(sandbox, 'ok.txt'), 'still here');
    execFileSync('mkfifo', [join(sandbox, 'slow')]);
    expect(textOf(await world.run('fault-kill', 'filesystem', 'read_file', { path: 'ok.txt' }))).toBe(
      'still here',
    );
    const [pid] = serverPids(sandbox);
    expect(pid).toBeDefined();

    const started = Date.now();
    const inFlight = world.run('fault-kill', 'filesystem', 'read_file', { path: 'slow' });
    const writeEnd = await waitForReader(join(sandbox, 'slow'));
    try {
      process.kill(pid as number, 'SIGKILL');
      await expect(inFlight).rejects.toMatchObject({
        code: 'SERVER_EXITED',
        message: expect.stringContaining(
          'the server process exited while the call ran; the gateway is restarting it',
        ),
      });
      expect(Date.now() - started).toBeLessThan(3000); // not the 4 s call timeout: the death is noticed at once
    } finally {
      closeSync(writeEnd);
    }
    const after = await world.run('fault-kill', 'filesystem', 'read_file', { path: 'ok.txt' });
    expect(textOf(after)).toBe('still here');
    expect(serverPids(sandbox)).not.toContain(pid);
    await eventually('down, restarting and up events', () =>
      ['down', 'restarting', 'up'].every((status) =>
        events.some((event) => event.status === status && event.reason?.includes('session fault-kill')),
      ),
    );
  });
});

describe('a call that never finishes', () => {
  it('times out after MCPGW_CALL_TIMEOUT_MS with UPSTREAM_TIMEOUT, and the server keeps serving', async () => {
    const sandbox = await world.sandboxOf('fault-timeout');
    await writeFile(join(sandbox, 'ok.txt'), 'fine');
    execFileSync('mkfifo', [join(sandbox, 'never')]);
    const started = Date.now();
    const stuck = world.run('fault-timeout', 'filesystem', 'read_file', { path: 'never' });
    const writeEnd = await waitForReader(join(sandbox, 'never'));
    try {
      await expect(stuck).rejects.toMatchObject({
        code: 'UPSTREAM_TIMEOUT',
        message: expect.stringContaining('did not finish within 4000 ms (MCPGW_CALL_TIMEOUT_MS)'),
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(3900);
    } finally {
      closeSync(writeEnd); // lets the server's read end, so the test leaves no stuck thread behind
    }
    expect(textOf(await world.run('fault-timeout', 'filesystem', 'read_file', { path: 'ok.txt' }))).toBe(
      'fine',
    );
  });
});

describe('the life of a session’s servers', () => {
  it('stops them when the session ends', async () => {
    const sandbox = await world.sandboxOf('fault-end');
    await world.run('fault-end', 'filesystem', 'list_directory', { path: sandbox });
    expect(serverPids(sandbox)).toHaveLength(1);
    publish(world.client, SessionStatusEvent, { sessionId: 'fault-end', status: 'completed' });
    await eventually('the server to exit', () => serverPids(sandbox).length === 0);
    await eventually('a down event', () =>
      events.some(
        (event) =>
          event.status === 'down' && event.reason === 'session fault-end: stopped (session completed)',
      ),
    );
  });

  it('stops them after MCPGW_IDLE_TIMEOUT_MS without a call, and starts them again on the next', async () => {
    const sandbox = await world.sandboxOf('fault-idle');
    await world.run('fault-idle', 'filesystem', 'list_directory', { path: sandbox });
    const [first] = serverPids(sandbox);
    expect(first).toBeDefined();
    await eventually('the idle server to exit', () => serverPids(sandbox).length === 0, 15_000);
    await world.run('fault-idle', 'filesystem', 'list_directory', { path: sandbox });
    expect(serverPids(sandbox)).toHaveLength(1);
    expect(serverPids(sandbox)).not.toContain(first);
  });
});
