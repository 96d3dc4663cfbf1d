// A lock between processes (parallel vitest workers, parallel test runs) made of one file created exclusively. The
// file holds the owner's pid, so a lock left by a process that died is taken over instead of waited on forever.
import { open, readFile, rm } from 'node:fs/promises';

const pollMs = 500;

/** Runs `work` while holding the lock file at `path`, waiting up to `waitMs` for another process to release it. */
export async function withFileLock<Result>(
  path: string,
  waitMs: number,
  work: () => Promise<Result>,
): Promise<Result> {
  await acquire(path, waitMs);
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}

async function acquire(path: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!(await isHeldByLiveProcess(path))) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${path} was held by another process for more than ${waitMs / 1000} s; delete it if stale`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function isHeldByLiveProcess(path: string): Promise<boolean> {
  const content = await readFile(path, 'utf8').catch(() => undefined);
  // Vanished (released meanwhile), or just created and not yet written: try again rather than steal it.
  if (content === undefined) return false;
  const pid = Number(content.trim());
  if (!Number.isInteger(pid) || pid <= 0) return content.trim() === '';
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
