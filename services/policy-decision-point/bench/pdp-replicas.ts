// PDP replicas as real child processes (`node dist/index.js`, as deployed), each its own event loop and core, plus
// CPU accounting from /proc so the report can say which process saturated.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { pingServices, type Bus } from '@ironcurtain/bus';
import { stopProcess } from '@ironcurtain/testing';
import type { BenchWorld } from './bench-world.ts';

const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const serviceName = 'policy-decision-point';

export interface Replica {
  child: ChildProcess;
  /** The last lines the replica wrote to stderr, for the error message when it dies. */
  stderr(): string;
}

/** Environment of a replica: HOME is the bench world's, so `~/Documents` means the same folder as for the engine. */
export function replicaEnvironment(
  world: BenchWorld,
  natsUrl: string,
  signingSeed: string,
): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: world.home,
    NATS_URL: natsUrl,
    IRONCURTAIN_HOME: world.ironcurtainHome,
    IRONCURTAIN_MCP_CONFIG: world.mcpConfigPath,
    PDP_PROTECTED_CWD: world.protectedCwd,
    PDP_SIGNING_SEED: signingSeed,
    LOG_LEVEL: 'warn',
    // e.g. `--cpu-prof --cpu-prof-dir=/tmp/pdp-prof` to profile the replicas.
    ...(process.env['BENCH_REPLICA_NODE_OPTIONS'] === undefined
      ? {}
      : { NODE_OPTIONS: process.env['BENCH_REPLICA_NODE_OPTIONS'] }),
  };
}

export function spawnReplica(environment: NodeJS.ProcessEnv): Replica {
  const child = spawn(process.execPath, [entry], { env: environment, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000)));
  return { child, stderr: () => tail.trim() };
}

export async function stopReplica(replica: Replica): Promise<void> {
  await stopProcess(replica.child, 3000);
}

/** Waits until exactly `count` replicas answer `$SRV.PING`; fails early with its stderr if one exits. */
export async function waitForReplicas(bus: Bus, replicas: readonly Replica[], count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const dead = replicas.find((replica) => replica.child.exitCode !== null);
    if (dead !== undefined) {
      throw new Error(`a PDP replica exited with ${dead.child.exitCode}: ${dead.stderr() || '(no stderr)'}`);
    }
    if ((await pingServices(bus, serviceName, 300)).length === count) return;
    await sleep(100);
  }
  throw new Error(`${count} PDP replica(s) did not answer $SRV.PING within 20 s (is ${entry} built?)`);
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far, or undefined when it cannot be read. */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  if (pid === process.pid) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine has been busy (all cores, every process), from /proc/stat. */
export function machineBusySeconds(): number | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
    const busy = fields
      .slice(0, 8)
      .reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0);
    return busy / clockTicks;
  } catch {
    return undefined;
  }
}
