import { setTimeout as sleep } from 'node:timers/promises';

/** A node as the readiness checks see it: its server name and monitoring port. */
export interface MonitoredNode {
  name: string;
  monitorPort: number;
}

/** What the monitoring endpoints say; only the fields read here. */
interface JetStreamInfo {
  meta_cluster?: { leader?: string; replicas?: Array<{ name?: string; current?: boolean }> };
}

/**
 * Waits until every running node names the same meta leader, one of them, and that leader sees the others as current
 * peers; returns its name.
 */
export async function waitForMetaLeader(
  running: readonly MonitoredNode[],
  timeoutMs: number,
): Promise<string> {
  const names = new Set(running.map((node) => node.name));
  let seen = '';
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const leaders = await Promise.all(
      running.map(async (node) => (await monitor<JetStreamInfo>(node, '/jsz'))?.meta_cluster?.leader),
    );
    seen = JSON.stringify(leaders);
    const [leader] = leaders;
    const leaderNode = running.find((node) => node.name === leader);
    if (leader !== undefined && leaderNode !== undefined && leaders.every((name) => name === leader)) {
      // The leader places replicas on peers it sees as current; until then a replicated create finds "no peers".
      const peers = (await monitor<JetStreamInfo>(leaderNode, '/jsz'))?.meta_cluster?.replicas ?? [];
      const current = peers.filter((peer) => peer.current === true && names.has(peer.name ?? ''));
      if (current.length >= running.length - 1) return leader;
    }
    await sleep(100);
  }
  throw new Error(`the running nodes did not agree on a JetStream meta leader in ${timeoutMs} ms: ${seen}`);
}

/** Waits until every node has a route to each of the others. */
export async function waitForRoutes(nodes: readonly MonitoredNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let counts: Array<number | undefined> = [];
  while (Date.now() < deadline) {
    counts = await Promise.all(
      nodes.map(async (node) => (await monitor<{ num_routes?: number }>(node, '/routez'))?.num_routes),
    );
    if (counts.every((count) => count === nodes.length - 1)) return;
    await sleep(100);
  }
  throw new Error(
    `the nodes did not route to each other in ${timeoutMs} ms (routes: ${JSON.stringify(counts)})`,
  );
}

/** A monitoring endpoint's JSON, or undefined when the node does not answer (yet, or any more). */
export async function monitor<T>(node: { monitorPort: number }, path: string): Promise<T | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${node.monitorPort}${path}`, {
      signal: AbortSignal.timeout(1000),
    });
    return response.ok ? ((await response.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}
