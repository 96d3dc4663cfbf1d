import { setTimeout as sleep } from 'node:timers/promises';
import { pingServices, type Bus } from '@ironcurtain/bus';

/** Options for {@link waitForServices}. */
export interface WaitForServicesOptions {
  bus: Bus;
  names: readonly string[];
  timeoutMs: number;
  /** Stops waiting early (e.g. Ctrl-C during start-up). */
  signal?: AbortSignal;
  /** How long each `$SRV.PING` collects answers (default 500 ms, less near the deadline). */
  pingWindowMs?: number;
}

/**
 * Pings `$SRV` until every named service has answered at least once, the timeout passes or `signal` aborts.
 * Resolves with the names that have not answered (empty when all are up).
 */
export async function waitForServices(options: WaitForServicesOptions): Promise<string[]> {
  const deadline = Date.now() + options.timeoutMs;
  let missing = [...options.names];
  while (Date.now() < deadline && options.signal?.aborted !== true) {
    // A ping round never outlasts the deadline: an answer after it would not count.
    const windowMs = Math.max(1, Math.min(options.pingWindowMs ?? 500, deadline - Date.now()));
    const answered = new Set((await pingServices(options.bus, undefined, windowMs)).map(nameOf));
    missing = missing.filter((name) => !answered.has(name));
    if (missing.length === 0) return [];
    await sleep(100);
  }
  return missing;
}

function nameOf(identity: { name: string }): string {
  return identity.name;
}
