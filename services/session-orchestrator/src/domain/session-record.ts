import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SessionStatus } from '@ironcurtain/proto-schemas';

/** What the KV bucket `sessions` holds per session (key = session id); the conversation stays in its files. */
export const SessionRecord = z.object({
  sessionId: z.string(),
  status: SessionStatus,
  createdAt: z.string(),
  updatedAt: z.string(),
  model: z.string(),
  /** `builtin`, or the external agent CLI the session runs in a container (`claude-code`, …). */
  agent: z.string().default('builtin'),
  /** External agents: one CLI run per message (`batch`) or the agent's TUI in a terminal (`pty`). */
  mode: z.enum(['batch', 'pty']).default('batch'),
  /** PTY mode: the container whose terminal the user attaches to. */
  containerName: z.string().optional(),
  /** The session's owner: the caller who started it; absent for a session started before sessions had owners. */
  userId: z.string().optional(),
  /**
   * The real path of the existing directory the session works in instead of its own sandbox (`--workspace`), checked
   * when the session started; absent for a session in `sessions/<id>/sandbox`. Never changes afterwards; the PDP reads
   * it from here as the session's `$SANDBOX`.
   */
  workspace: z.string().optional(),
  /** Turns completed or started so far. */
  turn: z.number().int().nonnegative(),
  /** Why the session is in its status, when there is something to say (budget exhausted, stopped by the user…). */
  reason: z.string().optional(),
  /** The session's budget counters after its last turn, so a resumed session goes on counting from there. */
  budgetUsage: z
    .object({
      tokens: z.number().nonnegative(),
      inputTokens: z.number().nonnegative(),
      outputTokens: z.number().nonnegative(),
      steps: z.number().nonnegative(),
      timeMs: z.number().nonnegative(),
      costUsd: z.number().nonnegative(),
    })
    .optional(),
});

/** One session's KV record. */
export type SessionRecord = z.output<typeof SessionRecord>;

/** A start request, as `session.start.v1` carries it. */
export interface StartRequest {
  task?: string | undefined;
  model?: string | undefined;
  resumeSessionId?: string | undefined;
  agent: string;
  mode?: 'batch' | 'pty' | undefined;
  /** Who starts it (the caller of `session.start.v1`), its `userId` from then on; a resumed session keeps its own. */
  owner?: string | undefined;
  /** An existing directory to work in instead of a fresh sandbox (checked by `sessionWorkspaceOf`). */
  workspace?: string | undefined;
}

/** The KV bucket of sessions. */
export { sessionsBucket } from '@ironcurtain/proto-schemas';

/** A new session id: its start time (UTC, to the second) and 6 random hex digits, e.g. `20261124-120000-3f9a0c`. */
export function newSessionId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
