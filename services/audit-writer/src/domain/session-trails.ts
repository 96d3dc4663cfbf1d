import { access } from 'node:fs/promises';
import {
  recordKeyOf,
  type AuditRecordInputValue,
  type AuditRecordValue,
  type ChainHead,
} from '@ironcurtain/audit-trail';
import type { AppError } from '@ironcurtain/errors';
import { createSessionTrail, type AppendOutcome, type SessionTrail } from './session-trail.js';
import { trailPathOf } from './trail-file.js';

/** What happens to trails, for the service to log and pass on. */
export interface TrailEvents {
  onCommitted(records: readonly AuditRecordValue[]): void;
  onDurable(records: readonly AuditRecordValue[]): void;
  onBroken(sessionId: string, error: AppError): void;
  onOpened(
    sessionId: string,
    info: { head: ChainHead; setAside?: string | undefined; wasBroken: boolean },
  ): void;
}

/** Every session's trail under one IRONCURTAIN_HOME, opened on first use. */
export interface SessionTrails {
  append(input: AuditRecordInputValue): Promise<AppendOutcome>;
  /**
   * The stored (redacted) decision and outcome records of one call in a session's trail; neither when the session
   * has no trail or the call none. Throws when the trail exists but cannot be opened.
   */
  recordsOfCall(sessionId: string, callId: string): Promise<{ decision?: unknown; outcome?: unknown }>;
  /** The head this process has written for a session whose trail is open. */
  knownHead(sessionId: string): ChainHead | undefined;
  closeAll(): Promise<void>;
}

/**
 * Opens a session's trail on its first append and keeps at most `maxOpen` open: beyond that the least recently used
 * idle one is closed (and checked again when it is next opened).
 */
export function createSessionTrails(options: {
  home: string;
  recheckMs: number;
  maxOpen: number;
  now: () => Date;
  events: TrailEvents;
}): SessionTrails {
  // A Map iterates in insertion order; re-inserting on use keeps the least recently used first.
  const trails = new Map<string, SessionTrail>();

  const trailOf = (sessionId: string): SessionTrail => {
    const existing = trails.get(sessionId);
    if (existing !== undefined) {
      trails.delete(sessionId);
      trails.set(sessionId, existing);
      return existing;
    }
    const trail = createSessionTrail({
      path: trailPathOf(options.home, sessionId),
      recheckMs: options.recheckMs,
      now: options.now,
      events: {
        onCommitted: options.events.onCommitted,
        onDurable: options.events.onDurable,
        onBroken: (error) => options.events.onBroken(sessionId, error),
        onOpened: (info) => options.events.onOpened(sessionId, info),
      },
    });
    trails.set(sessionId, trail);
    evictIdle(sessionId);
    return trail;
  };

  const evictIdle = (keep: string): void => {
    for (const [sessionId, trail] of trails) {
      if (trails.size <= options.maxOpen) return;
      if (sessionId === keep || !trail.isIdle()) continue;
      trails.delete(sessionId);
      void trail.close().catch(() => undefined);
    }
  };

  return {
    append: (input) => trailOf(input.sessionId).append(input),
    async recordsOfCall(sessionId, callId) {
      const path = trailPathOf(options.home, sessionId);
      if (!trails.has(sessionId) && !(await exists(path))) return {};
      const trail = trailOf(sessionId);
      const decision = await trail.storedLine(recordKeyOf({ kind: 'decision', requestId: callId }));
      const outcome = await trail.storedLine(recordKeyOf({ kind: 'outcome', requestId: callId }));
      return {
        ...(decision === undefined ? {} : { decision: JSON.parse(decision) as unknown }),
        ...(outcome === undefined ? {} : { outcome: JSON.parse(outcome) as unknown }),
      };
    },
    knownHead: (sessionId) => trails.get(sessionId)?.knownHead(),
    async closeAll() {
      const closing = [...trails.values()].map((trail) => trail.close());
      trails.clear();
      await Promise.allSettled(closing);
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
