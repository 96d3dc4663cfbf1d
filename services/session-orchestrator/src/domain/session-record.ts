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
  userId: z.string().optional(),
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

/** The KV bucket of sessions. */
export const sessionsBucket = 'sessions';
