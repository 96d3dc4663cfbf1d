import { baseServiceEnv, envMilliseconds, loadEnv } from '@ironcurtain/config';
import { parseModelId } from '@ironcurtain/llm';
import { z } from 'zod';

/** A budget limit: a positive number, or `null`/`none`/`unlimited` for no limit. */
const budgetLimit = (fallback: number | null) =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === '') return fallback;
      if (['null', 'none', 'unlimited'].includes(value.trim().toLowerCase())) return null;
      const number = Number(value);
      if (Number.isFinite(number) && number > 0) return number;
      context.addIssue({ code: 'custom', message: 'a positive number, or null for unlimited' });
      return z.NEVER;
    });

/** `true`/`false` (or `1`/`0`); `fallback` when unset or empty. */
const envSwitch = (fallback: boolean) =>
  z
    .enum(['', 'true', 'false', '1', '0'], { message: 'use true or false' })
    .optional()
    .transform((value) =>
      value === undefined || value === '' ? fallback : value === 'true' || value === '1',
    );

/** A `provider:model` id, checked as `@ironcurtain/llm` parses it. */
const modelIdSetting = z
  .string()
  .min(1)
  .optional()
  .superRefine((value, context) => {
    if (value === undefined) return;
    try {
      parseModelId(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

/** Environment variables of the session-orchestrator. */
export const configSchema = baseServiceEnv.extend({
  /**
   * mitm-egress's reverse-mode address: provider calls go to `<this>/<provider>/v1` (Google: `/google/v1beta`) with
   * sentinel keys.
   */
  ORCH_EGRESS_URL: z.url().default('http://127.0.0.1:8788'),
  /** The model of sessions that do not name one (`provider:model`). */
  ORCH_DEFAULT_MODEL: z.string().min(1).default('anthropic:claude-sonnet-4-6'),
  /** How long one tool call may take through the PDP, a human's approval included (above the PDP's own limit). */
  ORCH_TOOLCALL_TIMEOUT_MS: envMilliseconds(660_000),
  ORCH_TOOLCALL_RETRY_WINDOW_MS: envMilliseconds(8000),
  /** How long the gateway's catalog may take to answer at session start. */
  ORCH_CATALOG_TIMEOUT_MS: envMilliseconds(30_000),
  /** Code Mode: heap of one execution's isolate in MB, and its wall-clock limit. */
  ORCH_CODE_MEMORY_MB: z.coerce.number().int().min(8).max(4096).default(128),
  ORCH_CODE_TIME_LIMIT_MS: envMilliseconds(300_000),
  /** Session budgets (defaults: 1,000,000 tokens, 200 steps, 30 minutes, $5); `null` for unlimited. */
  ORCH_BUDGET_TOKENS: budgetLimit(1_000_000),
  ORCH_BUDGET_STEPS: budgetLimit(200),
  ORCH_BUDGET_MINUTES: budgetLimit(30),
  ORCH_BUDGET_COST_USD: budgetLimit(5),
  /** The share of a session limit (percent, 1–99) at which the budget warning is sent (config.json
   * `resourceBudget.warnThresholdPercent`). */
  ORCH_BUDGET_WARN_PERCENT: z.coerce.number().int().min(1).max(99).default(80),
  /** Per-turn budgets (one user message and the work it causes); unlimited unless set. */
  ORCH_TURN_BUDGET_TOKENS: budgetLimit(null),
  ORCH_TURN_BUDGET_STEPS: budgetLimit(null),
  ORCH_TURN_BUDGET_MINUTES: budgetLimit(null),
  ORCH_TURN_BUDGET_COST_USD: budgetLimit(null),
  /**
   * Auto-compaction of builtin sessions (config.json `autoCompact`): on/off; the size in tokens at which older turns
   * are summarized; how many last messages stay verbatim; the model that writes summaries (the session's own when
   * unset).
   */
  ORCH_AUTO_COMPACT_ENABLED: envSwitch(true),
  ORCH_AUTO_COMPACT_THRESHOLD_TOKENS: z.coerce.number().int().min(1000).max(100_000_000).default(160_000),
  ORCH_AUTO_COMPACT_KEEP_RECENT_MESSAGES: z.coerce.number().int().min(0).max(100_000).default(10),
  ORCH_AUTO_COMPACT_MODEL: modelIdSetting,
  /** External agents: the Docker engine (`unix://…`, `tcp://…`); the default socket when unset. */
  DOCKER_HOST: z.string().min(1).optional(),
  /**
   * External agents run as this `uid:gid`, which owns their sandbox. Unset: the owner of IRONCURTAIN_HOME, so files
   * the agent writes belong to the user. Never 0 (root): a root-owned home needs this set.
   */
  ORCH_AGENT_USER: z
    .string()
    .regex(/^\d{1,10}:\d{1,10}$/, 'uid:gid, e.g. 1001:1001')
    .optional(),
  /** The agent image definitions (`deploy/agents` of this checkout when unset). */
  IRONCURTAIN_AGENTS_DIR: z.string().min(1).optional(),
  /** Limits of one agent container: memory in MB, CPUs, processes. */
  ORCH_AGENT_MEMORY_MB: z.coerce.number().int().min(256).max(262_144).default(4096),
  ORCH_AGENT_CPUS: z.coerce.number().positive().max(256).default(2),
  ORCH_AGENT_PIDS: z.coerce.number().int().min(32).max(1_000_000).default(1024),
});

/** Minutes (or null) as the milliseconds budgets count in. */
export function minutesToMs(minutes: number | null): number | null {
  return minutes === null ? null : minutes * 60_000;
}

export type Config = z.output<typeof configSchema>;

/** Parses the environment; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return loadEnv(configSchema, env, 'session-orchestrator configuration');
}
