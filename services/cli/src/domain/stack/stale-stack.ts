import { basename } from 'node:path';
import { rm } from 'node:fs/promises';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { commandLineOf, isProcessAlive, terminateProcess } from './process-control.js';
import { serviceEntryPath } from './stack-services.js';
import { readStackState, type StackState } from './stack-state.js';

/**
 * Deals with the stack.json of an earlier `up`. A live supervisor means the stack is running: refuse, naming it.
 * A dead one may have left a nats-server (which does not watch its parent) or a service still draining: stop those,
 * after checking their command lines so a recycled PID is never killed, and forget the old file.
 */
export async function clearStaleStack(stackFile: string, report: (line: string) => void): Promise<void> {
  const previous = await readStackState(stackFile);
  if (previous === undefined) return;
  if (previous === 'unreadable') {
    report(`ignoring ${stackFile}: it is not a stack file`);
    await rm(stackFile, { force: true });
    return;
  }
  if (await isSupervisorRunning(previous.supervisorPid)) {
    throw new AppError(
      ErrorCode.Conflict,
      `IronCurtain is already up (supervisor PID ${previous.supervisorPid}, started ${previous.startedAt}, ` +
        `see ${stackFile}). Stop it with Ctrl-C in its terminal or \`kill ${previous.supervisorPid}\`.`,
    );
  }
  await stopLeftovers(previous, report);
  await rm(stackFile, { force: true });
}

async function isSupervisorRunning(pid: number): Promise<boolean> {
  if (pid === process.pid || !isProcessAlive(pid)) return false;
  const commandLine = await commandLineOf(pid);
  // Unknown command line: assume it is ours rather than start a second stack beside a running one.
  if (commandLine === undefined) return true;
  return commandLine.includes('up') && commandLine.some((part) => /ironcurtain|bin\.js$/.test(part));
}

async function stopLeftovers(previous: StackState, report: (line: string) => void): Promise<void> {
  const leftovers: { pid: number; name: string; graceMs: number }[] = [];
  if (previous.natsPid !== null && (await isCommand(previous.natsPid, isNatsServer))) {
    leftovers.push({ pid: previous.natsPid, name: 'nats-server', graceMs: 5000 });
  }
  for (const [name, pid] of Object.entries(previous.services)) {
    const entry = serviceEntryPath(name);
    if (pid !== null && (await isCommand(pid, (commandLine) => commandLine.includes(entry)))) {
      leftovers.push({ pid, name, graceMs: 10_000 });
    }
  }
  await Promise.all(
    leftovers.map(({ pid, name, graceMs }) => {
      report(`stopping ${name} (PID ${pid}) left over from an earlier run whose supervisor is gone`);
      return terminateProcess(pid, graceMs);
    }),
  );
}

async function isCommand(pid: number, matches: (commandLine: string[]) => boolean): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  const commandLine = await commandLineOf(pid);
  return commandLine !== undefined && matches(commandLine);
}

function isNatsServer(commandLine: string[]): boolean {
  return basename(commandLine[0] ?? '') === 'nats-server';
}
