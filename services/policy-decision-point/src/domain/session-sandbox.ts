import { join } from 'node:path';
import { AppError } from '@ironcurtain/errors';
import type { WorkspaceCheck } from '@ironcurtain/policy-engine';

/** What the PDP reads of a session's record in KV `sessions` (written by the orchestrator alone). */
export interface SessionRecordFacts {
  sessionId: string;
  workspace?: string | undefined;
}

/** The ports of {@link createSessionSandboxes}. */
export interface SessionSandboxesDependencies {
  home: string;
  /** The session's record, undefined when there is none; throws when it cannot be read or parsed. */
  readRecord(sessionId: string): Promise<SessionRecordFacts | undefined>;
  /** `checkWorkspace` of the policy engine with this PDP's own places (its protected paths included). */
  checkWorkspace(path: string): WorkspaceCheck;
}

const maxCachedSessions = 1000;

/**
 * Each session's sandbox directory — what `$SANDBOX` means for its calls — from a source the agent cannot shape: the
 * session's record in KV `sessions`. A record with a workspace gives that directory, checked again here (this PDP
 * knows its protected paths better than the orchestrator); no workspace, or no record (a dry run, a caller with no
 * session), gives the session's own `IRONCURTAIN_HOME/sessions/<id>/sandbox`, the narrowest choice. Fails closed:
 * a record that cannot be read, does not match, or names a refused or moved workspace throws `SANDBOX_UNKNOWN`,
 * and the caller denies. A found sandbox is cached per session: a session's workspace never changes.
 */
export function createSessionSandboxes(deps: SessionSandboxesDependencies) {
  const cache = new Map<string, string>();
  const unknown = (sessionId: string, why: string, cause?: unknown) =>
    new AppError(sandboxUnknownCode, `the sandbox of session ${sessionId} is unknown: ${why}`, { cause });
  const lookUp = async (sessionId: string): Promise<{ sandbox: string; isFinal: boolean }> => {
    let record: SessionRecordFacts | undefined;
    try {
      record = await deps.readRecord(sessionId);
    } catch (error) {
      throw unknown(sessionId, 'its record in KV sessions cannot be read', error);
    }
    // No record yet is not cached: a session's record is written before its first call, but nothing relies on it.
    if (record === undefined) return { sandbox: defaultSandboxOf(deps.home, sessionId), isFinal: false };
    if (record.workspace === undefined)
      return { sandbox: defaultSandboxOf(deps.home, sessionId), isFinal: true };
    if (record.sessionId !== sessionId)
      throw unknown(sessionId, `its record names session ${record.sessionId}`);
    const verdict = deps.checkWorkspace(record.workspace);
    if (!verdict.isAllowed) throw unknown(sessionId, verdict.message);
    if (verdict.workspace !== record.workspace) {
      throw unknown(sessionId, `its workspace ${record.workspace} now resolves to ${verdict.workspace}`);
    }
    return { sandbox: verdict.workspace, isFinal: true };
  };
  return {
    /** The session's sandbox directory; throws AppError `SANDBOX_UNKNOWN` when it cannot be determined. */
    async sandboxDirOf(sessionId: string): Promise<string> {
      const cached = cache.get(sessionId);
      if (cached !== undefined) return cached;
      const { sandbox, isFinal } = await lookUp(sessionId);
      if (!isFinal) return sandbox;
      if (cache.size >= maxCachedSessions) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      cache.set(sessionId, sandbox);
      return sandbox;
    },
  };
}

/** The sandboxes' type, for wiring. */
export type SessionSandboxes = ReturnType<typeof createSessionSandboxes>;

/** The error code of a sandbox that cannot be determined. */
export const sandboxUnknownCode = 'SANDBOX_UNKNOWN';

/** Where a session's own sandbox lives under IRONCURTAIN_HOME (a session without a workspace). */
export function defaultSandboxOf(home: string, sessionId: string): string {
  return join(home, 'sessions', sessionId, 'sandbox');
}
