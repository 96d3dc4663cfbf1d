// The per-session folder mounted at /run/ironcurtain and the sockets in it: only the agent's user (and root) may
// reach them, and nothing already at their paths is followed or deleted unless it is a dead socket.
import { spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@ironcurtain/testing';
import { startEgressRelay } from '../src/domain/container/egress-relay.js';
import { startMcpSocketServer } from '../src/domain/container/mcp-socket-server.js';
import { createSocketFolder, removeSocketFolder } from '../src/domain/container/socket-folder.js';

const isRoot = process.getuid?.() === 0;
const agentUser = { uid: 4321, gid: 4321 };
let home: string;

const mcpOptions = (socketPath: string) => ({
  socketPath,
  catalog: { servers: [] },
  callTool: () => Promise.resolve({ ok: false as const, message: 'DENIED: nothing here' }),
  sandboxPath: home,
});

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'socket-folder-'));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('createSocketFolder', () => {
  it('creates the folder with mode 0700 and names the two sockets', async () => {
    const folder = await createSocketFolder(join(home, 'sessions', 's1', 'run'));
    expect(folder).toEqual({
      folderPath: join(home, 'sessions', 's1', 'run'),
      egressSocketPath: join(home, 'sessions', 's1', 'run', 'egress.sock'),
      mcpSocketPath: join(home, 'sessions', 's1', 'run', 'mcp.sock'),
    });
    expect((await stat(folder.folderPath)).mode & 0o777).toBe(0o700);
    await removeSocketFolder(folder.folderPath);
    await expect(lstat(folder.folderPath)).rejects.toMatchObject({ code: 'ENOENT' });
    await removeSocketFolder(folder.folderPath);
  });

  it('reuses an existing folder but sets its mode again', async () => {
    await mkdir(join(home, 'open'), { mode: 0o777 });
    await createSocketFolder(join(home, 'open'));
    expect((await stat(join(home, 'open'))).mode & 0o777).toBe(0o700);
  });

  it('refuses a symbolic link or a file at its path and leaves them alone', async () => {
    await mkdir(join(home, 'elsewhere'), { mode: 0o755 });
    await symlink(join(home, 'elsewhere'), join(home, 'linked'));
    await expect(createSocketFolder(join(home, 'linked'))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await stat(join(home, 'elsewhere'))).mode & 0o777).toBe(0o755);
    await writeFile(join(home, 'a-file'), 'keep me');
    await expect(createSocketFolder(join(home, 'a-file'))).rejects.toThrow(/is not a folder/);
    expect(await readFile(join(home, 'a-file'), 'utf8')).toBe('keep me');
  });

  it.runIf(isRoot)('hands the folder and both sockets to the agent user when running as root', async () => {
    const folder = await createSocketFolder(join(home, 'owned'), agentUser);
    expect(await stat(folder.folderPath)).toMatchObject({ uid: 4321, gid: 4321 });
    const mcp = await startMcpSocketServer({ ...mcpOptions(folder.mcpSocketPath), owner: agentUser });
    const relay = await startEgressRelay({
      socketPath: folder.egressSocketPath,
      owner: agentUser,
      target: { host: '127.0.0.1', port: 9 },
    });
    for (const socketPath of [folder.mcpSocketPath, folder.egressSocketPath]) {
      const stats = await lstat(socketPath);
      expect({ uid: stats.uid, gid: stats.gid, mode: stats.mode & 0o777 }).toEqual({
        ...agentUser,
        mode: 0o600,
      });
    }
    await mcp.close();
    await relay.close();
  });
});

describe('a socket path already in use', () => {
  it('replaces a socket file nobody listens on any more', async () => {
    const stale = join(home, 'stale.sock');
    // socat killed without a chance to clean up leaves its socket file behind, as a crashed orchestrator would.
    const leftover = spawn('socat', [`UNIX-LISTEN:${stale}`, 'STDOUT'], { stdio: 'ignore' });
    await eventually('socat to listen', () => lstat(stale).then((stats) => stats.isSocket()));
    leftover.kill('SIGKILL');
    await new Promise((resolve) => leftover.once('exit', resolve));
    expect((await lstat(stale)).isSocket()).toBe(true);
    const server = await startMcpSocketServer(mcpOptions(stale));
    expect(server.connectionCount()).toBe(0);
    await server.close();
  });

  it('refuses a socket another process still listens on', async () => {
    const live = join(home, 'live.sock');
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(live, resolve));
    await expect(startMcpSocketServer(mcpOptions(live))).rejects.toThrow(/another process is listening/);
    await new Promise((resolve) => other.close(resolve));
  });

  it('refuses anything that is not a socket and leaves it alone', async () => {
    const notSocket = join(home, 'egress.sock');
    await writeFile(notSocket, 'precious');
    await expect(
      startEgressRelay({ socketPath: notSocket, target: { host: '127.0.0.1', port: 9 } }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await readFile(notSocket, 'utf8')).toBe('precious');
  });

  it('refuses a path too long for a unix socket with a message naming the limit', async () => {
    const deep = join(home, 'x'.repeat(100));
    await mkdir(deep);
    await expect(startMcpSocketServer(mcpOptions(join(deep, 'mcp.sock')))).rejects.toThrow(/over 107 bytes/);
  });
});
