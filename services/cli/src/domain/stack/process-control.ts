import { execFile, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * True when `pid` names a running process. A zombie (exited, not yet reaped) counts as gone: processes whose
 * parent died are reparented to an init that may never reap them, and they hold no resources.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command name) state …": the name may contain spaces and parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** The argument vector of a running process, or undefined if it cannot be read (gone, or no /proc and no ps). */
export async function commandLineOf(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const parts = raw.split('\0').filter((part) => part !== '');
    return parts.length > 0 ? parts : undefined;
  } catch {
    return commandLineFromPs(pid);
  }
}

// Without /proc (macOS) ps prints the command line with spaces between arguments; good enough to recognise it.
function commandLineFromPs(pid: number): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'args=', '-p', String(pid)], { timeout: 5000 }, (error, stdout) => {
      const line = stdout.trim();
      resolve(error === null && line !== '' ? line.split(/\s+/) : undefined);
    });
  });
}

/** Sends SIGTERM to a process that is not our child, waits up to `graceMs` for it to go, then SIGKILLs it. */
export async function terminateProcess(pid: number, graceMs: number): Promise<void> {
  if (!sendSignal(pid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return;
    await sleep(50);
  }
  sendSignal(pid, 'SIGKILL');
  while (isProcessAlive(pid) && Date.now() < deadline + 2000) await sleep(50);
}

function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True once a child has exited (by code or by signal). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Stops one of our children: runs `beforeSignal` (e.g. closing its stdin), sends SIGTERM, SIGKILLs it after
 * `graceMs`, and resolves once it has exited and been reaped.
 */
export async function stopChildProcess(
  child: ChildProcess,
  graceMs: number,
  beforeSignal: () => void = () => {},
): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  beforeSignal();
  child.kill('SIGTERM');
  const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killTimer);
}

/** "exited with code 1" / "was killed by SIGKILL": why a child went away, for a status line. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) return `was killed by ${signal}`;
  return `exited with code ${code ?? 'unknown'}`;
}
