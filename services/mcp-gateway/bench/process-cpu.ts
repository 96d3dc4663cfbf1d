// CPU time of the benchmark's processes, from /proc (Linux): how much work a call costs each of them, which is what
// bounds calls/s once the cores are busy.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** User + system CPU seconds of a process so far; undefined when /proc cannot say (not Linux, process gone). */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const fields = statFieldsOf(pid);
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** Every process below `pid` (children, their children, …), from /proc. */
export function descendantsOf(pid: number): number[] {
  if (!existsSync('/proc')) return [];
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number(statFieldsOf(Number(entry))[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [child, itsParent] of parents) {
      if (itsParent === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** Fields of /proc/<pid>/stat after the command name (so field 0 is the state, 1 the parent, 11 utime, 12 stime). */
function statFieldsOf(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU milliseconds per call of each named group of processes over a window: `snapshot()` before and after, then
 * `perCall(calls)`. A group's time is the sum of its processes'; a process that cannot be read counts as nothing.
 */
export function cpuMeter(groups: Record<string, () => number[]>) {
  const take = (): Record<string, number> =>
    Object.fromEntries(
      Object.entries(groups).map(([name, pids]) => [
        name,
        pids().reduce((sum, pid) => sum + (cpuSecondsOf(pid) ?? 0), 0),
      ]),
    );
  const before = take();
  return {
    perCallMs(calls: number): Record<string, number> {
      const after = take();
      return Object.fromEntries(
        Object.keys(groups).map((name) => [
          name,
          Math.round((((after[name] ?? 0) - (before[name] ?? 0)) * 1000 * 1000) / Math.max(1, calls)) / 1000,
        ]),
      );
    },
  };
}
