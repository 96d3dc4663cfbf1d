import type { LiveTool, ManagedServer } from './managed-server.js';

/** One server as the catalog shows it. */
export interface CatalogServer {
  name: string;
  description?: string | undefined;
  /** `up`: its tools were listed; `starting`: not yet; `down`: it failed to start (retried in the background). */
  status: 'up' | 'down' | 'starting';
  sandboxed: boolean;
  tools: readonly LiveTool[];
  /** Set when the server is never started (a required credential is missing): why, and how to fix it. */
  notStartedReason?: string | undefined;
}

/** Options of {@link createCatalog}. */
export interface CatalogOptions {
  servers: ReadonlyMap<string, { description?: string | undefined }>;
  /** An instance placed in the catalog's own empty sandbox, never in a session's. */
  createCatalogServer(serverName: string): ManagedServer;
  /** Delays between failed listings; the last one repeats. */
  retryDelaysMs: readonly number[];
  onStatus?(serverName: string, status: 'up' | 'down', reason: string): void;
}

/**
 * The tool catalog, independent of any session: each server is started once in an empty sandbox that belongs to no
 * session, asked for its tools, and stopped again — it never runs a tool. A server that fails to start is shown
 * `down` and tried again with backoff until it lists.
 */
export function createCatalog(options: CatalogOptions) {
  const entries = new Map<string, CatalogServer>();
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<ManagedServer>();
  let isStopped = false;
  for (const [name, server] of options.servers) {
    entries.set(name, {
      name,
      description: server.description,
      status: 'starting',
      sandboxed: false,
      tools: [],
    });
  }

  const list = async (serverName: string, attempt: number): Promise<void> => {
    const instance = options.createCatalogServer(serverName);
    running.add(instance);
    const entry = entries.get(serverName) as CatalogServer;
    try {
      const tools = await instance.tools();
      Object.assign(entry, { status: 'up', tools, sandboxed: instance.isSandboxed() });
      options.onStatus?.(serverName, 'up', `catalog: ${tools.length} tools listed`);
    } catch (error) {
      entry.status = 'down';
      entry.notStartedReason = instance.notStartedReason;
      options.onStatus?.(serverName, 'down', `catalog: ${(error as Error).message}`);
      // A server that is never started stays down until the gateway restarts with its credential.
      if (!isStopped && instance.notStartedReason === undefined) retryLater(serverName, attempt);
    } finally {
      running.delete(instance);
      await instance.stop('catalog listed');
    }
  };

  const retryLater = (serverName: string, attempt: number): void => {
    const delays = options.retryDelaysMs;
    const delay = delays[Math.min(attempt, delays.length - 1)] ?? 60_000;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void list(serverName, attempt + 1);
    }, delay);
    timer.unref();
    timers.add(timer);
  };

  return {
    /** Lists every server's tools; resolves when each has either listed or failed once. */
    async start(): Promise<void> {
      await Promise.all([...entries.keys()].map((serverName) => list(serverName, 0)));
    },
    /** Every server, or the one named. */
    servers(serverName?: string): CatalogServer[] {
      const all = [...entries.values()];
      return serverName === undefined ? all : all.filter((entry) => entry.name === serverName);
    },
    async stop(): Promise<void> {
      isStopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([...running].map((instance) => instance.stop('gateway stopping')));
    },
  };
}
