import { baseServiceEnv, loadEnv } from '@ironcurtain/config';
import { z } from 'zod';

const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .default('on')
  .transform((value) => value === 'on' || value === 'true' || value === '1');

/** Environment variables of the audit-writer. */
export const configSchema = baseServiceEnv.extend({
  /** Redact secrets and personal numbers before writing (`on` by default; `off` keeps full forensic records). */
  AUDIT_REDACTION: onOff,
  /** After a failed write, how long a trail stays broken before the next append tries to reopen it. */
  AUDIT_RECHECK_MS: z.coerce.number().int().min(1).max(3_600_000).default(1000),
  /** Trails kept open at once; the least recently used idle one is closed beyond this. */
  AUDIT_MAX_OPEN_FILES: z.coerce.number().int().min(1).max(100_000).default(256),
  /** PostgreSQL connection string: records are also written there, and queries run there. */
  AUDIT_POSTGRES_URL: z.string().min(1).optional(),
  /** The schema the audit tables live in (created by the migration). */
  AUDIT_POSTGRES_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase SQL identifier: a-z, 0-9, _ (at most 63)')
    .default('ironcurtain_audit'),
});

export type Config = z.output<typeof configSchema>;

/** Parses the environment; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return loadEnv(configSchema, env, 'audit-writer configuration');
}
