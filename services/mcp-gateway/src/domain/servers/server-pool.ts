import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { ManagedServer } from './managed-server.js';
import type { ServerPlacement } from './server-entries.js';

/** The session a call belongs to, as the call names it. */
export interface SessionRef {
  sessionId: string;
  sandboxDir: string;
}

/** Options of {@link createServerPool}. */
export interface ServerPoolOptions {
  homeDir: string;
  idleTimeoutMs: number;
  /** Builds (does not start) the instance of one server for one session. */
  createServer(serverName: string, placement: ServerPlacement): ManagedServer;
}

interface SessionServers {
  sandboxDir: string;
  servers: Map<string, ManagedServer>;
  inFlight: number;
  idleTimer?: NodeJS.Timeout | undefined;
}

/**
 * Servers per session: an MCP server's roots (the filesystem server's allowed directories, the OS sandbox) are the
 * session's sandbox, so no instance ever serves two sessions. An instance starts on the session's first call to
 * that server, and all of a session's instances stop together: after `idleTimeoutMs` without a call, when the
 * session ends, or when the gateway stops.
 */
export function createServerPool(options: ServerPoolOptions) {
  const sessions = new Map<string, SessionServers>();

  const sessionFor = (ref: SessionRef): SessionServers => {
    const existing = sessions.get(ref.sessionId);
    if (existing === undefined) {
      const created: SessionServers = { sandboxDir: ref.sandboxDir, servers: new Map(), inFlight: 0 };
      sessions.set(ref.sessionId, created);
      return created;
    }
    if (existing.sandboxDir !== ref.sandboxDir) {
      throw new AppError(
        ErrorCode.Conflict,
        `session ${ref.sessionId} runs its MCP servers on sandbox ${existing.sandboxDir}, not ${ref.sandboxDir}`,
      );
    }
    return existing;
  };

  const stopSession = async (sessionId: string, reason: string): Promise<void> => {
    const session = sessions.get(sessionId);
    if (session === undefined) return;
    sessions.delete(sessionId);
    clearTimeout(session.idleTimer);
    await Promise.all([...session.servers.values()].map((server) => server.stop(reason)));
  };

  return {
    /** Runs `work` with the session's instance of `serverName`, keeping the session from idling out meanwhile. */
    async use<T>(
      ref: SessionRef,
      serverName: string,
      work: (server: ManagedServer) => Promise<T>,
    ): Promise<T> {
      const session = sessionFor(ref);
      let server = session.servers.get(serverName);
      if (server === undefined) {
        const placement = { sessionId: ref.sessionId, sandboxDir: ref.sandboxDir, homeDir: options.homeDir };
        server = options.createServer(serverName, placement);
        session.servers.set(serverName, server);
      }
      session.inFlight += 1;
      clearTimeout(session.idleTimer);
      try {
        return await work(server);
      } finally {
        session.inFlight -= 1;
        if (session.inFlight === 0 && sessions.get(ref.sessionId) === session) {
          const reason = `idle for ${Math.round(options.idleTimeoutMs / 1000)} s`;
          session.idleTimer = setTimeout(
            () => void stopSession(ref.sessionId, reason),
            options.idleTimeoutMs,
          );
          session.idleTimer.unref();
        }
      }
    },
    stopSession,
    /** Stops every session's servers. */
    async stopAll(reason: string): Promise<void> {
      await Promise.all([...sessions.keys()].map((sessionId) => stopSession(sessionId, reason)));
    },
    /** The running sessions and their servers' states, for tests and diagnostics. */
    describe(): Array<{ sessionId: string; servers: Array<{ serverName: string; status: string }> }> {
      return [...sessions].map(([sessionId, session]) => ({
        sessionId,
        servers: [...session.servers.values()].map((server) => ({
          serverName: server.serverName,
          status: server.status,
        })),
      }));
    },
  };
}

/** The pool's type, for wiring. */
export type ServerPool = ReturnType<typeof createServerPool>;
