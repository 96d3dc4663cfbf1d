import { baseServiceEnv, envCommaList, envMilliseconds, loadEnv } from '@ironcurtain/config';
import { z } from 'zod';

/** Environment variables of the policy-decision-point. */
export const configSchema = baseServiceEnv.extend({
  /** The PDP's nkey seed (`SU…`). Without it the seed is read from, or created in, PDP_SIGNING_KEY_FILE. */
  PDP_SIGNING_SEED: z.string().min(1).optional(),
  /** Default: $IRONCURTAIN_HOME/keys/pdp.nk (0600); its public key is written beside it as pdp.pub. */
  PDP_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** The MCP server config (IronCurtain's shape); servers' allowed domains feed the domain gate. */
  IRONCURTAIN_MCP_CONFIG: z.string().min(1).optional(),
  /** Servers whose calls are allowed without evaluation (rule `trusted-server`). */
  PDP_TRUSTED_SERVERS: envCommaList,
  PDP_PREPARE_TIMEOUT_MS: envMilliseconds(5000),
  PDP_AUDIT_TIMEOUT_MS: envMilliseconds(5000),
  PDP_EXECUTE_TIMEOUT_MS: envMilliseconds(120_000),
  /** How long to wait for a human; longer than the router's ticket expiry (at most 600 s). */
  PDP_ESCALATION_TIMEOUT_MS: envMilliseconds(630_000),
  /** How long the router may hold one escalation.open.v1 before answering "pending" (then it is asked again). */
  PDP_ESCALATION_WAIT_SECONDS: z.coerce.number().int().min(1).max(60).default(20),
  /** How long a router that had answered may stay unreachable (restarting) before the call is denied. */
  PDP_ESCALATION_ROUTER_GRACE_MS: envMilliseconds(60_000),
  /** How long a signed decision stays valid for the gateway. */
  PDP_DECISION_TTL_MS: envMilliseconds(30_000),
  PDP_BREAKER_MAX_IDENTICAL_CALLS: z.coerce.number().int().min(1).default(20),
  PDP_BREAKER_WINDOW_MS: envMilliseconds(60_000),
  /** The working directory whose `.env` is protected; the service's own by default. */
  PDP_PROTECTED_CWD: z.string().min(1).optional(),
});

export type Config = z.output<typeof configSchema>;

/** Parses the environment; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return loadEnv(configSchema, env, 'policy-decision-point configuration');
}
