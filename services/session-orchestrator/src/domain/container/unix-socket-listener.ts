import { chmod, chown, lstat, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { AppError, ErrorCode, errorCodeOf } from '@ironcurtain/errors';

/** The container user a socket or folder is handed to (the uid:gid the agent runs as). */
export interface SocketOwner {
  readonly uid: number;
  readonly gid: number;
}

// sun_path holds 108 bytes on Linux, the last one a NUL.
const maximumSocketPathBytes = 107;

/** True when this process may give files away (chown to another user). */
export function isRunningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Checks that the agent will be able to open a 0600 socket handed to `owner`: when this process is not root it
 * cannot chown, so the owner must be this process's own user.
 */
export function checkOwner(owner: SocketOwner | undefined, what: string): void {
  if (owner === undefined || isRunningAsRoot() || owner.uid === process.getuid?.()) return;
  throw new AppError(
    ErrorCode.ConfigInvalid,
    `${what} must belong to uid ${owner.uid}, but this process runs as uid ${String(process.getuid?.())} ` +
      'and only root can give files away; run the orchestrator as root or as the sandbox owner',
  );
}

/**
 * Makes `server` listen on `socketPath` with mode 0600, owned by `owner` when given (and this process is root). It
 * binds in a private 0700 folder beside the path and renames the socket into place once its mode and owner are
 * set, so no one can connect while the socket still has the umask's mode. A socket file left at the path by an
 * earlier process is replaced only if nothing answers on it; anything that is not a socket is left alone and
 * refused (`CONFLICT`).
 */
export async function listenOnUnixSocket(
  server: Server,
  socketPath: string,
  owner: SocketOwner | undefined,
): Promise<void> {
  checkOwner(owner, `socket ${socketPath}`);
  await removeStaleSocket(socketPath);
  const bindFolder = await mkdtemp(join(dirname(socketPath), '.bind-'));
  const bindPath = join(bindFolder, 's');
  for (const path of [socketPath, bindPath]) {
    if (Buffer.byteLength(path) > maximumSocketPathBytes) {
      await rm(bindFolder, { recursive: true, force: true });
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `unix socket path ${path} is over ${maximumSocketPathBytes} bytes; use a shorter IRONCURTAIN_HOME`,
      );
    }
  }
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(bindPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(bindPath, 0o600);
    if (owner !== undefined && isRunningAsRoot()) await chown(bindPath, owner.uid, owner.gid);
    await rename(bindPath, socketPath);
  } catch (error) {
    server.close();
    throw error;
  } finally {
    await rm(bindFolder, { recursive: true, force: true });
  }
}

/** Removes the socket file at `socketPath` if there is one; any other kind of file is left alone. */
export async function removeSocketFile(socketPath: string): Promise<void> {
  const stats = await lstat(socketPath).catch((error: unknown) => {
    if (errorCodeOf(error) === 'ENOENT') return undefined;
    throw error;
  });
  if (stats?.isSocket() === true) await unlink(socketPath).catch(ignoreMissing);
}

async function removeStaleSocket(socketPath: string): Promise<void> {
  const stats = await lstat(socketPath).catch((error: unknown) => {
    if (errorCodeOf(error) === 'ENOENT') return undefined;
    throw error;
  });
  if (stats === undefined) return;
  if (!stats.isSocket()) {
    throw new AppError(
      ErrorCode.Conflict,
      `${socketPath} exists and is not a socket; it was left alone: remove it or use another session folder`,
    );
  }
  if (await isAnswering(socketPath)) {
    throw new AppError(
      ErrorCode.Conflict,
      `another process is listening on ${socketPath}; stop it (is the session hosted twice?) before starting again`,
    );
  }
  await unlink(socketPath).catch(ignoreMissing);
}

function isAnswering(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function ignoreMissing(error: unknown): void {
  if (errorCodeOf(error) !== 'ENOENT') throw error;
}
