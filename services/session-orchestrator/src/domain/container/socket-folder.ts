import { constants } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError, ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import { checkOwner, isRunningAsRoot, type SocketOwner } from './unix-socket-listener.js';

/** The per-session folder mounted read-only at `/run/ironcurtain`, and the two sockets it holds. */
export interface SocketFolder {
  readonly folderPath: string;
  /** Relayed byte for byte to the egress (`/run/ironcurtain/egress.sock`). */
  readonly egressSocketPath: string;
  /** IronCurtain's MCP tools (`/run/ironcurtain/mcp.sock`). */
  readonly mcpSocketPath: string;
}

/**
 * Creates the session's socket folder (`sessions/<id>/run`) with mode 0700, owned by `owner` when given and this
 * process is root, so only the agent's user (and root) can reach the sockets in it. An existing folder is reused
 * and its mode and owner set again; a symbolic link or anything that is not a folder at that path is refused
 * (`CONFLICT`) and left alone. Mode and owner are set through a handle opened with O_NOFOLLOW, so a link swapped in
 * after the check cannot redirect them.
 */
export async function createSocketFolder(folderPath: string, owner?: SocketOwner): Promise<SocketFolder> {
  checkOwner(owner, `socket folder ${folderPath}`);
  await mkdir(dirname(folderPath), { recursive: true });
  await mkdir(folderPath, { mode: 0o700 }).catch((error: unknown) => {
    if (errorCodeOf(error) !== 'EEXIST') throw error;
  });
  const folder = await open(
    folderPath,
    constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW,
  ).catch((error: unknown) => {
    const code = errorCodeOf(error);
    if (code !== 'ELOOP' && code !== 'ENOTDIR') throw error;
    throw new AppError(
      ErrorCode.Conflict,
      `${folderPath} exists and is not a folder (or is a symbolic link); it was left alone: remove it and start again`,
      { cause: error },
    );
  });
  try {
    // mkdir's mode passes through the umask, and a reused folder may have any mode: set it exactly.
    await folder.chmod(0o700);
    if (owner !== undefined && isRunningAsRoot()) await folder.chown(owner.uid, owner.gid);
  } finally {
    await folder.close();
  }
  return {
    folderPath,
    egressSocketPath: join(folderPath, 'egress.sock'),
    mcpSocketPath: join(folderPath, 'mcp.sock'),
  };
}

/** Deletes the socket folder and whatever is left in it; a folder that is already gone is fine. */
export async function removeSocketFolder(folderPath: string): Promise<void> {
  await rm(folderPath, { recursive: true, force: true });
}
