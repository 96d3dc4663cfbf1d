import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { isProcessAlive } from '../stack/process-control.js';

/** What a lock file holds: enough to tell its holder from a later process that got the same PID. */
export interface LockHolder {
  pid: number;
  /** Field 22 of `/proc/<pid>/stat` (clock ticks after boot), or null where there is no /proc. */
  startTime: string | null;
  /** `/proc/sys/kernel/random/boot_id`: a start time is only comparable within one boot. */
  bootId: string | null;
  acquiredAt: string;
  /** Random: makes every lock file's text unique, so a file is known by its text even if its inode is reused. */
  nonce: string;
}

/** A lock this process holds. */
export interface SingleInstanceLock {
  readonly file: string;
  /** Removes the lock file, if it is still the one this process created. Safe to call more than once. */
  release(): Promise<void>;
}

const maximumAttempts = 20;
// Removing a stale lock takes two system calls; a marker this old is left over from a remover that died in between.
const abandonedMarkerMs = 10_000;
const maximumMarkerGenerations = 100;
// A holder writes its record right after creating the file; an empty or partial file is given this long to fill.
const halfWrittenGraceMs = 1000;

/**
 * Takes the lock `file` (created with O_EXCL, mode 0600) for process `pid`, or refuses with a `CONFLICT` error that
 * names the living holder. A lock whose holder is gone (dead, a zombie, or its PID now names a process that started
 * at another time) is taken over, so a SIGKILLed holder never blocks the next one.
 */
export async function acquireSingleInstanceLock(options: {
  file: string;
  pid: number;
  /** What holds the lock, for the refusal: `an escalation-listener`. */
  holderName: string;
}): Promise<SingleInstanceLock> {
  await mkdir(dirname(options.file), { recursive: true, mode: 0o700 });
  const holder: LockHolder = {
    pid: options.pid,
    startTime: processStartTime(options.pid),
    bootId: currentBootId(),
    acquiredAt: new Date().toISOString(),
    nonce: randomUUID(),
  };
  const text = `${JSON.stringify(holder)}\n`;
  for (let attempt = 1; attempt <= maximumAttempts; attempt += 1) {
    const inode = await createExclusively(options.file, text);
    if (inode !== undefined) return lockHeldAt(options.file, { inode, text });
    const existing = await readHolder(options.file);
    if (existing === 'gone') continue;
    if (existing.holder !== undefined && isHolderAlive(existing.holder)) {
      throw new AppError(
        ErrorCode.Conflict,
        `${options.holderName} is already running (PID ${existing.holder.pid}, since ` +
          `${existing.holder.acquiredAt}; lock ${options.file}). Use that one, or stop it (kill ` +
          `${existing.holder.pid}) and start again`,
      );
    }
    await removeStale(options.file, existing.identity);
  }
  throw new AppError(
    ErrorCode.Conflict,
    `could not take the lock ${options.file}: other processes kept taking it; try again`,
  );
}

/** The start time of `pid` from `/proc/<pid>/stat` (field 22), or null when it cannot be read. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command name) state …": the name may hold spaces and parentheses, so count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function currentBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

function isHolderAlive(holder: LockHolder): boolean {
  if (!isProcessAlive(holder.pid)) return false;
  // Without /proc only the PID can be checked; a reused PID then keeps the lock until that process ends.
  if (holder.startTime === null || holder.bootId === null) return true;
  return holder.bootId === currentBootId() && holder.startTime === processStartTime(holder.pid);
}

/** Creates `file` only if it does not exist; resolves with its inode, or undefined when it already existed. */
async function createExclusively(file: string, content: string): Promise<number | undefined> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
    return (await handle.stat()).ino;
  } finally {
    await handle.close();
  }
}

/** A lock file as it was judged: its inode and its text. */
interface FileIdentity {
  inode: number;
  text: string;
}

/**
 * The holder recorded in `file` with the file's identity, `holder` undefined when the record stays unreadable past
 * the grace (its writer died between creating and writing it), or `gone` when the file disappeared meanwhile.
 */
async function readHolder(file: string): Promise<{ holder?: LockHolder; identity: FileIdentity } | 'gone'> {
  const deadline = Date.now() + halfWrittenGraceMs;
  for (;;) {
    let inode: number;
    let text: string;
    try {
      inode = (await stat(file)).ino;
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      throw error;
    }
    const holder = parseHolder(text);
    if (holder !== undefined || Date.now() >= deadline) return { holder, identity: { inode, text } };
    await sleep(50);
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0) return undefined;
    return {
      pid: value.pid,
      startTime: typeof value.startTime === 'string' ? value.startTime : null,
      bootId: typeof value.bootId === 'string' ? value.bootId : null,
      acquiredAt: typeof value.acquiredAt === 'string' ? value.acquiredAt : 'an unknown time',
      nonce: typeof value.nonce === 'string' ? value.nonce : '',
    };
  } catch {
    return undefined;
  }
}

/**
 * Removes the stale lock that was judged, and nothing else. Several processes may judge the same stale lock at once,
 * and a slow one must never delete the fresh lock a faster one has created since, nor move it even for a moment. So
 * they first compete for a marker named after the judged file (a hard link: `link` fails when the name exists, like
 * O_EXCL); only the winner, having checked that the marker is the judged file, deletes the lock. A marker older than
 * `abandonedMarkerMs` belongs to a remover that died in between, and the next generation of the name is used.
 */
async function removeStale(file: string, judged: FileIdentity): Promise<void> {
  const judgedHash = createHash('sha256').update(`${judged.inode}\0${judged.text}`).digest('hex');
  const markerBase = `${file}.takeover-${judgedHash.slice(0, 16)}`;
  for (let generation = 1; generation <= maximumMarkerGenerations; generation += 1) {
    const marker = `${markerBase}-${generation}`;
    try {
      await link(file, marker);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EEXIST') throw error;
      if (await isAbandoned(marker)) continue;
      // Another process is removing it right now: look again in a moment.
      return void (await sleep(20));
    }
    try {
      // The marker names whatever was at `file`: the judged stale lock, or a fresh lock that replaced it meanwhile.
      if (await isSameFile(marker, judged)) await unlink(file);
    } finally {
      for (let used = 1; used <= generation; used += 1)
        await unlink(`${markerBase}-${used}`).catch(() => undefined);
    }
    return;
  }
}

// A link updates the inode's change time, so a marker's ctime says when it was made.
async function isAbandoned(marker: string): Promise<boolean> {
  const status = await stat(marker).catch(() => undefined);
  return status !== undefined && Date.now() - status.ctimeMs > abandonedMarkerMs;
}

// Inode numbers are reused as soon as a file is deleted, so the text (with its nonce) is compared too.
async function isSameFile(file: string, identity: FileIdentity): Promise<boolean> {
  try {
    return (await stat(file)).ino === identity.inode && (await readFile(file, 'utf8')) === identity.text;
  } catch {
    return false;
  }
}

function lockHeldAt(file: string, identity: FileIdentity): SingleInstanceLock {
  let released: Promise<void> | undefined;
  return {
    file,
    release: () => {
      // Only our own file: if this lock was taken over (we were judged dead), the new holder's stays.
      released ??= (async () => {
        if (await isSameFile(file, identity)) await unlink(file).catch(() => undefined);
      })();
      return released;
    },
  };
}
