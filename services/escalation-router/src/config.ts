import { baseServiceEnv, loadEnv } from '@ironcurtain/config';
import { z } from 'zod';
import { approvalPolicies } from './domain/approval-rights.js';

const flag = z
  .enum(['true', 'false', '1', '0'], { message: 'use true or false' })
  .transform((value) => value === 'true' || value === '1');
const hours = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** Environment variables of the escalation-router. */
export const configSchema = baseServiceEnv.extend({
  /** How long a ticket waits for an answer before it expires (a deny). */
  ESCALATION_TIMEOUT_SECONDS: z.coerce.number().int().min(30).max(600).default(300),
  /**
   * For tests only: the expiry in milliseconds (500–30000), replacing ESCALATION_TIMEOUT_SECONDS so expiry tests need
   * not wait 30 s. The router logs a warning when it is set.
   */
  ESCALATION_TEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(30_000).optional(),
  /** Turns the auto-approver on or off (default off); `ironcurtain up` sets it from config.json's `autoApprove`. */
  ESCALATION_AUTO_APPROVE: flag.optional(),
  /** `provider:model` of the auto-approver (default `anthropic:claude-haiku-4-5`). */
  ESCALATION_AUTO_APPROVE_MODEL: z.string().min(1).optional(),
  /** How long one auto-approver call may take before the ticket goes to a human. */
  /**
   * mitm-egress's reverse mode (e.g. `http://127.0.0.1:8788`): used when the model's provider key is not set here, so
   * the auto-approver calls its model with a sentinel and the real key stays in the egress (`ironcurtain up` sets it).
   */
  ESCALATION_EGRESS_URL: z.url().optional(),
  ESCALATION_AUTO_APPROVE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(20_000),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  /** Provider base URLs (e.g. a proxy, or a fake provider in tests); the public APIs by default. */
  ANTHROPIC_BASE_URL: z.url().optional(),
  OPENAI_BASE_URL: z.url().optional(),
  /** How long settled tickets stay in KV `escalations` (answers to late resolvers, idempotent re-opens). */
  ESCALATION_TICKET_RETENTION_HOURS: hours(24, 720),
  /** A session whitelist not touched for this long is dropped, if no session-end event removed it first. */
  ESCALATION_WHITELIST_TTL_HOURS: hours(24, 168),
  /** Who may answer a ticket: the session's owner, the team's approvers (role approver or admin), or either. */
  ESCALATION_APPROVALS: z.enum(approvalPolicies).default('either'),
});

export type Config = z.output<typeof configSchema>;

/** Parses the environment; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return loadEnv(configSchema, env, 'escalation-router configuration');
}

/** The ticket expiry in milliseconds: the test override when set, else ESCALATION_TIMEOUT_SECONDS. */
export function expiryMsOf(config: Config): number {
  return config.ESCALATION_TEST_TIMEOUT_MS ?? config.ESCALATION_TIMEOUT_SECONDS * 1000;
}
